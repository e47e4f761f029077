"""The shape of a protection channel: a state machine declared as data, with no I/O.

A channel's `Machine` lists its states (each a step of the case with the rule id of its
deadline, if the law sets one, and of its approved extension, if the law allows one) and the
transitions between them with the roles that may take each. A transition either moves the case
to another state of the channel (`target`), stays in the state and only records an act
(`target` None: a mediator assigned, a session held), or moves the case into another channel
(`to_channel`: a failed mediation goes to administrative adjudication). Entering a `final` state
closes the case. The service walks these tables; nothing about a channel's order of steps lives
in code paths.

A period that the law counts across several steps (adjudication's 3 months from docketing to
ruling, a penalty's 90 days from filing to decision) is declared on each of those states with
`continues=True`: entered from a state with the same rule, the step carries the running
deadline on (its start, pauses and extension) instead of restarting it. A step may also hold a
time limit of its own (`limit_rule_id`: serving the request, the respondent's answer) that runs
inside the binding deadline without moving it. A channel whose first step depends on the
case's IP rights (rapid protection's targets) names an `entry` function of the rights' facts.
A channel's first state may continue too: a case that comes back into the channel (a penalty
case the police did not take) carries on the deadline of its last step there, the days spent
elsewhere counted out.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ipprotect.cases.models import Channel
from ipprotect.cases.triage import RightFacts
from ipprotect.core.auth import Role


@dataclass(frozen=True)
class State:
    name: str
    label: str  # msgid
    rule_id: str | None = None  # the deadline of the step (a period rule), counted from entry
    extension_rule_id: str | None = None  # the longest extension the law allows, if any
    final: bool = False  # entering it closes the case (结案): no deadline, no way out
    continues: bool = False  # carries on the running deadline of a step with the same rule
    limit_rule_id: str | None = None  # a time limit inside the step, counted from entry
    # The carried-on deadline stands still for as long as the case is in the state (a penalty
    # hearing: SAMR Administrative Penalty Procedure Provisions art. 64).
    pauses_clock: bool = False
    # A flag of the entering transition's data ("decision.party_present") under which the step
    # has no deadline: a penalty decision handed over to a party present needs no service.
    no_deadline_if: str | None = None


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # msgid, the button's text
    sources: tuple[str, ...]
    roles: tuple[Role, ...]
    target: str | None = None  # None: an act inside the current step
    to_channel: Channel | None = None  # leaves this channel for that one's first step


@dataclass(frozen=True)
class Machine:
    channel: Channel
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    # Picks the first state from the facts of the case's IP rights; None: always `initial`.
    entry: Callable[[tuple[RightFacts, ...]], str] | None = None
    # False: a case reaches the channel only from another one (a criminal transfer comes out of
    # a penalty case), never by routing.
    entered_directly: bool = True

    def __post_init__(self) -> None:
        """A broken declaration stops the import, not a case in the middle of its life."""
        names = {s.name for s in self.states}
        finals = {s.name for s in self.states if s.final}
        broken = [] if self.initial in names else [f"unknown initial state {self.initial}"]
        for t in self.transitions:
            if not set(t.sources) <= names:
                broken.append(f"{t.name}: unknown source state")
            if t.target is not None and (t.target not in names or t.to_channel is not None):
                broken.append(f"{t.name}: bad target")
            if finals & set(t.sources):
                broken.append(f"{t.name}: leaves a final state")
            target = next((s for s in self.states if s.name == t.target), None)
            if target is not None and target.continues:
                clocks = {
                    (s.rule_id, s.extension_rule_id) for s in self.states if s.name in t.sources
                }
                if clocks != {(target.rule_id, target.extension_rule_id)} or not target.rule_id:
                    broken.append(f"{t.name}: continues a deadline its sources do not run")
        broken += [
            f"{s.name}: a final state has a deadline"
            for s in self.states
            if s.final and (s.rule_id or s.limit_rule_id)
        ]
        broken += [
            f"{s.name}: pauses a deadline it does not carry on"
            for s in self.states
            if s.pauses_clock and not (s.continues and s.rule_id)
        ]
        if broken:
            raise ValueError(f"channel {self.channel}: {'; '.join(broken)}")

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def available(self, state: str, role: Role) -> list[Transition]:
        """The transitions a role may take from a state, in declaration order."""
        return [t for t in self.transitions if state in t.sources and role in t.roles]
