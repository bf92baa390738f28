"""A realistic sample workspace for the emulator (used by ``mingle demo`` and tests).

:func:`build_sample_workspace` adds about thirty people in six teams across eight
timezones, an admin and the owner, a ``#coffee-chats`` channel (``C0COFFEE``) with most of
them and the bot, and ``#til-and-answers`` (``C0SHARE``). The people, their teams and
their suggested interests come back in a :class:`SampleWorkspace`. The same ``seed`` always
gives the same workspace.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.testing.workspaces import WorkspaceView

COFFEE_CHANNEL = "C0COFFEE"
SHARE_CHANNEL = "C0SHARE"

TIMEZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
)

#: team -> job titles used for its members.
TEAMS: dict[str, tuple[str, ...]] = {
    "Platform": ("Platform Engineer", "Site Reliability Engineer", "Engineering Manager"),
    "Product": ("Product Manager", "Product Designer", "UX Researcher"),
    "Data": ("Data Scientist", "Data Engineer", "Analytics Engineer"),
    "Customer Success": ("Customer Success Manager", "Support Engineer", "Solutions Architect"),
    "Marketing": ("Content Marketer", "Growth Marketer", "Brand Designer"),
    "People": ("People Partner", "Recruiter", "Learning & Development Lead"),
}

INTERESTS = (
    "hiking",
    "running",
    "cycling",
    "climbing",
    "yoga",
    "chess",
    "board games",
    "video games",
    "photography",
    "cooking",
    "baking",
    "coffee",
    "tea",
    "gardening",
    "reading",
    "sci-fi",
    "podcasts",
    "jazz",
    "guitar",
    "piano",
    "travel",
    "languages",
    "parenting",
    "dogs",
    "cats",
    "football",
    "basketball",
    "cricket",
    "film",
    "knitting",
)

SKILLS = (
    "Python",
    "Kubernetes",
    "SQL",
    "public speaking",
    "writing",
    "Figma",
    "hiring",
    "negotiation",
    "statistics",
    "TypeScript",
    "incident response",
    "customer interviews",
    "budgeting",
    "machine learning",
    "accessibility",
    "SEO",
)

# (real name, handle, display name): a fixed cast, so demos and tests read naturally.
_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("Amara Okafor", "amara", "Amara"),
    ("Liam Chen", "liam.chen", "Liam"),
    ("Sofia Rossi", "sofia", "Sofi"),
    ("Mateo García", "mateo", "Mateo"),
    ("Priya Sharma", "priya", "Priya S."),
    ("Noah Williams", "noah", "Noah"),
    ("Yuki Tanaka", "yuki", "Yuki"),
    ("Fatima Al-Sayed", "fatima", "Fatima"),
    ("Lucas Oliveira", "lucas", "Lucas O."),
    ("Emma Schmidt", "emma", "Emma"),
    ("Arjun Mehta", "arjun", "Arjun"),
    ("Chloé Dubois", "chloe", "Chloé"),
    ("Kwame Mensah", "kwame", "Kwame"),
    ("Hannah Müller", "hannah", "Hannah"),
    ("Diego Fernández", "diego", "Diego"),
    ("Mei Lin Tan", "meilin", "Mei Lin"),
    ("Oliver Smith", "oliver", "Ollie"),
    ("Aisha Bello", "aisha", "Aisha"),
    ("Ravi Iyer", "ravi", "Ravi"),
    ("Isabella Costa", "isabella", "Bella"),
    ("Jack Thompson", "jack", "Jack"),
    ("Zara Ahmed", "zara", "Zara"),
    ("Felix Wagner", "felix", "Felix"),
    ("Ana Souza", "ana", "Ana"),
    ("Ethan Brown", "ethan", "Ethan"),
    ("Nina Petrova", "nina", "Nina"),
    ("Samuel Adeyemi", "samuel", "Sam"),
    ("Grace Kim", "grace", "Grace"),
    ("Tomás Silva", "tomas", "Tomás"),
    ("Leah Cohen", "leah", "Leah"),
)


@dataclass(frozen=True)
class SamplePerson:
    user_id: str
    name: str
    real_name: str
    display_name: str
    title: str
    team: str
    tz: str
    email: str
    interests: list[str]
    can_help_with: list[str]
    wants_to_learn: list[str]
    is_admin: bool = False
    is_owner: bool = False


@dataclass
class SampleWorkspace:
    people: list[SamplePerson]
    owner_id: str
    admin_id: str
    coffee_channel: str = COFFEE_CHANNEL
    share_channel: str = SHARE_CHANNEL
    coffee_members: list[str] = field(default_factory=list)
    share_members: list[str] = field(default_factory=list)

    @property
    def user_ids(self) -> list[str]:
        return [p.user_id for p in self.people]

    @property
    def teams(self) -> dict[str, str]:
        """user id -> team name."""
        return {p.user_id: p.team for p in self.people}

    @property
    def interests(self) -> dict[str, list[str]]:
        """user id -> suggested interests."""
        return {p.user_id: list(p.interests) for p in self.people}

    @property
    def timezones(self) -> dict[str, str]:
        return {p.user_id: p.tz for p in self.people}

    def person(self, user_id: str) -> SamplePerson:
        for p in self.people:
            if p.user_id == user_id:
                return p
        raise KeyError(user_id)


def build_sample_workspace(
    emu: WorkspaceView,
    seed: int = 7,
    *,
    user_prefix: str = "U0S",
    coffee_channel: str = COFFEE_CHANNEL,
    share_channel: str = SHARE_CHANNEL,
) -> SampleWorkspace:
    """Load the sample people and channels into ``emu`` and describe them.

    ``emu`` is the emulator or the view of one of its workspaces (``emu.workspace("T2")``);
    a second sample workspace needs its own ``user_prefix`` and channel ids so that nothing
    is shared by accident.
    """
    rng = random.Random(seed)
    team_names = list(TEAMS)
    people: list[SamplePerson] = []
    domain = f"{emu.team_name.lower().replace(' ', '')}.example"
    for index, (real_name, handle, display) in enumerate(_PEOPLE):
        team = team_names[index % len(team_names)]
        title = rng.choice(TEAMS[team])
        # Teams cluster around a few zones, but every team spans continents.
        tz = TIMEZONES[(index * 3 + rng.randrange(3)) % len(TIMEZONES)]
        skills = rng.sample(SKILLS, 4)
        people.append(
            SamplePerson(
                user_id=f"{user_prefix}{index + 1:03d}",
                name=handle,
                real_name=real_name,
                display_name=display,
                title=title,
                team=team,
                tz=tz,
                email=f"{handle}@{domain}",
                interests=sorted(rng.sample(INTERESTS, rng.randint(3, 6))),
                can_help_with=skills[:2],
                wants_to_learn=skills[2:],
                is_owner=index == 0,
                is_admin=index in (0, 1),
            )
        )
    for p in people:
        emu.add_user(
            p.user_id,
            name=p.name,
            real_name=p.real_name,
            tz=p.tz,
            title=p.title,
            is_admin=p.is_admin,
            is_owner=p.is_owner,
            email=p.email,
            display_name=p.display_name,
        )
    ids = [p.user_id for p in people]
    not_coffee = set(rng.sample(ids[2:], 4))
    coffee = [u for u in ids if u not in not_coffee]
    share = sorted(rng.sample(ids, 20))
    emu.add_channel(
        coffee_channel,
        name="coffee-chats",
        members=coffee,
        purpose="Random coffee chats across teams and timezones",
    )
    emu.add_channel(
        share_channel,
        name="til-and-answers",
        members=share,
        purpose="Share what you learned and answers others could use",
    )
    return SampleWorkspace(
        people=people,
        owner_id=people[0].user_id,
        admin_id=people[1].user_id,
        coffee_channel=coffee_channel,
        share_channel=share_channel,
        coffee_members=coffee,
        share_members=share,
    )
