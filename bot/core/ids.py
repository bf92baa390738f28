"""Every Slack ID Mingle registers: the slash command, action_ids, callback_ids, shortcuts.

One place, so handlers, Block Kit builders and the manifest test agree.
"""

from __future__ import annotations

COMMAND = "/mingle"

# actions (buttons, selects)
ACTION_EDIT_PROFILE = "mingle_edit_profile"
ACTION_JOIN = "mingle_join"
ACTION_LEAVE = "mingle_leave"
ACTION_FORGET_ME = "mingle_forget_me"
ACTION_PAUSE = "mingle_pause"
ACTION_RESUME = "mingle_resume"
ACTION_INTEREST_SELECT = "mingle_interest_select"  # external select typeahead
ACTION_CAN_HELP_SELECT = "mingle_can_help_select"
ACTION_LEARN_SELECT = "mingle_learn_select"
ACTION_SKIP_ROUND = "mingle_skip_round"
ACTION_MET = "mingle_met"
ACTION_NOT_YET = "mingle_not_yet"
ACTION_COULD_NOT = "mingle_could_not"
ACTION_SHARE_ANSWER = "mingle_share_answer"
ACTION_INTRODUCE_ME = "mingle_introduce_me"
ACTION_SAY_HI = "mingle_say_hi"
ACTION_AVOID_LIST = "mingle_avoid_list"  # Home: opens the avoid-list modal
ACTION_SLOT_PICK = "mingle_slot_pick"  # "Works for me" on a meeting slot (value: slot id)
ACTION_SLOT_MORE = "mingle_slot_more"  # "None of these work" (value: match id:batch)
ACTION_THANK_YOU = "mingle_thank_you"  # "Send a thank-you" after "We met" (value: match id)
ACTION_SAY_HI_AGAIN = "mingle_say_hi_again"  # Home, Your chats (value: match id)

# views (modals)
VIEW_EDIT_PROFILE = "mingle_edit_profile_view"
VIEW_ADMIN_SETUP = "mingle_admin_setup_view"
VIEW_SHARE_ANSWER = "mingle_share_answer_view"
VIEW_SAVE_ANSWER = "mingle_save_answer_view"
VIEW_INTRO = "mingle_intro_view"
VIEW_AVOID_LIST = "mingle_avoid_list_view"
VIEW_THANK_YOU = "mingle_thank_you_view"

# shortcuts
SHORTCUT_SAVE_ANSWER = "mingle_save_answer"  # message shortcut
SHORTCUT_INTRO = "mingle_intro"  # global shortcut

# events the app subscribes to
#: Slack's word that Mingle was uninstalled or lost its token (handled in `bot.app`, either
#: may come first).
REVOCATION_EVENTS = ("app_uninstalled", "tokens_revoked")
#: The manifest's event subscriptions.
EVENTS = (
    "app_home_opened",
    "message.channels",
    "message.groups",
    "member_joined_channel",
    "reaction_added",
    "reaction_removed",
    *REVOCATION_EVENTS,
)

# external-select action_ids served by the options handler
TYPEAHEAD_ACTIONS = (ACTION_INTEREST_SELECT, ACTION_CAN_HELP_SELECT, ACTION_LEARN_SELECT)
