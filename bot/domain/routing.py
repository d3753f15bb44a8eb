"""Which channel a concern's card goes to. The one place routing is decided."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.taxonomy import ELEMENTS, ConcernKind


class RoutingError(ValueError):
    """Routing settings are inconsistent (e.g. a speak-up route into the safeguarding channel)."""


@dataclass(frozen=True)
class Route:
    field: str  # "element" or "site"
    value: str
    channel: str


@dataclass(frozen=True)
class Router:
    """Speak-up concerns go to the guardians (or a rule's channel); safeguarding to its team."""

    guardian_channel: str
    safeguarding_channel: str | None
    routes: tuple[Route, ...] = ()

    @classmethod
    def from_settings(
        cls, guardian_channel: str, safeguarding_channel: str | None, rules: list[str]
    ) -> Router:
        routes = []
        for rule in rules:
            target, _, channel = rule.partition("=")
            field, _, value = target.partition(":")
            if field not in ("element", "site") or not value or not channel:
                raise RoutingError(
                    f"SPEAKUP_ROUTES entry {rule!r} should look like element:<id>=<channel> "
                    "or site:<name>=<channel>"
                )
            if channel.strip() == safeguarding_channel:
                raise RoutingError(
                    "SPEAKUP_ROUTES may not send speak-up concerns to the safeguarding channel"
                )
            if field == "element" and value.strip() not in ELEMENTS:
                raise RoutingError(
                    f"SPEAKUP_ROUTES entry {rule!r} names no known element; use one of "
                    + ", ".join(ELEMENTS)
                )
            routes.append(Route(field, value.strip(), channel.strip()))
        if safeguarding_channel and safeguarding_channel == guardian_channel:
            raise RoutingError(
                "SPEAKUP_SAFEGUARDING_CHANNEL must differ from SPEAKUP_GUARDIAN_CHANNEL"
            )
        return cls(guardian_channel, safeguarding_channel, tuple(routes))

    def teams(self) -> dict[str, ConcernKind]:
        """Every channel cards are posted to, and whose it is."""
        channels = {self.guardian_channel: ConcernKind.SPEAK_UP}
        channels.update({route.channel: ConcernKind.SPEAK_UP for route in self.routes})
        if self.safeguarding_channel:
            channels[self.safeguarding_channel] = ConcernKind.SAFEGUARDING
        return channels

    def channel_for(self, kind: ConcernKind, elements: tuple[str, ...], site: str | None) -> str:
        """The channel for a new concern: the first matching rule wins; safeguarding concerns
        always go to the safeguarding channel and nowhere else."""
        if kind is ConcernKind.SAFEGUARDING:
            if not self.safeguarding_channel:
                raise RoutingError("SPEAKUP_SAFEGUARDING_CHANNEL is not set")
            return self.safeguarding_channel
        for route in self.routes:
            if route.field == "element" and route.value in elements:
                return route.channel
            if route.field == "site" and site is not None and route.value == site:
                return route.channel
        return self.guardian_channel
