"""``--replay-on-save``: after a reload succeeds, send the last failed request again and say in
one line whether the fix worked."""

from __future__ import annotations

from debugkit import recording
from debugkit.consolelines import shown
from debugkit.errors import UserError
from debugkit.session import Session


def replay_last_failed(session: Session, timeout: float) -> str | None:
    """The line to print, or None when nothing failed yet (or the server records nothing)."""
    if session.production:
        return None
    try:
        log = recording.sync(session)
        failed = log.last(failed=True)
        if failed is None or not failed.body_complete:
            return None
        answer = recording.replay(session, failed, timeout)
    except (UserError, ValueError) as exc:
        reason = exc.message if isinstance(exc, UserError) else "the server did not answer JSON"
        return f"debugkit: replay of the last failed request failed: {reason}"
    generation = answer.header("x-debugkit-generation") or "?"
    verdict = "fixed" if 200 <= answer.status < 300 else "still failing"
    line = (
        f"debugkit: replayed request {failed.id} ({failed.method} {failed.path}): "
        f"{failed.status} -> {answer.status} on generation {generation}, {verdict}"
    )
    if verdict == "still failing":
        try:
            message = str(answer.json().get("message") or "")
        except (ValueError, AttributeError):
            message = answer.text[:200]
        if message:
            line += f": {message.splitlines()[0]}"
    where = shown(session.project_dir)
    return line + f"; 'debugkit replay {where} {failed.id}' shows both answers"
