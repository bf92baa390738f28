"""Mingle's web pages for installing it into a workspace (multi-workspace mode).

* :mod:`bot.web.scopes` -- the scopes Mingle asks for (from ``manifest.yml``) and why.
* :mod:`bot.web.pages` -- the install, success and error pages, rendered from Jinja2
  templates, and Slack's authorize URL.
* :mod:`bot.web.bolt_oauth` -- the same pages plugged into Bolt's OAuth flow.
"""

from __future__ import annotations
