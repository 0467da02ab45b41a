"""The runner's start: settle what a crash left open in the journal (creates that may have
happened, uploads that may have left a file) before anything is submitted."""

from __future__ import annotations

import time

from batchtui.api.errors import ApiError
from batchtui.jobs import store as st
from batchtui.jobs.runner_core import RECENT_SECONDS, RunnerCore


class Reconciler(RunnerCore):
    """Reconcile the journal with the account."""

    async def reconcile(self) -> None:
        """Settle what an earlier run left open (see the module docstring). Called by
        :meth:`run` before anything is submitted."""
        store = self.store
        adopted_before = sum(1 for b in store.batches() if b.adopted)
        notes: list[str] = []
        for intent in store.intents(state=st.OPEN, action="download"):
            store.end(intent.id, st.INTENT_FAILED, error="interrupted; downloaded again")
        uploads = store.intents(state=st.OPEN, action="upload")
        if uploads:
            notes += await self._drop_unverified_uploads(uploads)
        for part in store.parts():
            if part.state == st.UPLOADING:
                store.update_part(part.id, state=st.PENDING)
        # The account's batches, back to before the oldest create that may have happened.
        creates = store.intents(state=st.OPEN, action="create")
        cutoff = min([i.started_at for i in creates] + [self._now() - RECENT_SECONDS]) - 3600
        listed_at = time.time()  # intents are stamped with the wall clock
        listed = await self._list(cutoff)
        self._absorb(listed)
        grace = self._grace()
        for intent in store.intents(state=st.OPEN, action="create"):
            if listed_at - intent.started_at < grace:
                # Made moments before the crash: a list may not show it yet. Look once more.
                await self._sleep(grace - (listed_at - intent.started_at))
                listed_at = time.time()
                self._absorb(await self._list(cutoff))
                if store.intent(intent.id).state != st.OPEN:
                    continue
            self._forget_create(intent, "no batch in the account carries its tag")
        still_open = {i.part_id for i in store.intents(state=st.OPEN, action="create")}
        for part in store.parts():
            if part.state == st.CREATING and part.id not in still_open:
                store.update_part(part.id, state=st.PENDING)
        for intent in store.intents(state=st.OPEN, action="cancel"):
            if intent.target:
                await self._cancel_batch(intent.part_id, intent.target, intent.id)
        for intent in store.intents(state=st.OPEN, action="delete_file"):
            if intent.target:
                await self._delete_file(intent.target, intent.id)
        adopted = sum(1 for b in store.batches() if b.adopted) - adopted_before
        if adopted or notes:
            parts_note = [f"adopted {adopted} batch(es) created before a stop"] if adopted else []
            self._emit("reconciled", "; ".join(parts_note + notes), adopted=adopted)

    def _grace(self) -> float:
        """How old a create must be before a list that does not show it means it failed."""
        return min(self.options.reconcile_grace, 2 * self.options.poll_fast)

    def _forget_create(self, intent: st.IntentRow, why: str) -> None:
        store = self.store
        with store.transaction():
            store.end(intent.id, st.INTENT_FAILED, error=f"not created: {why}")
            if intent.part_id is not None:
                part = store.part(intent.part_id)
                if part.state == st.CREATING:
                    store.update_part(part.id, state=st.PENDING)

    async def _drop_unverified_uploads(self, uploads: list[st.IntentRow]) -> list[str]:
        """Uploads cut off by a crash: their files (if any) were never checked against the
        part's hash, so they are deleted, and the part uploads again when its turn comes."""
        names = {i.target: i for i in uploads if i.target}
        deleted = 0
        if names:
            for f in await self.service.list_files(purpose="batch"):
                if f.filename in names:
                    iid = self.store.begin("delete_file", names[f.filename].part_id, f.id)
                    await self._delete_file(f.id, iid)
                    deleted += 1
        for intent in uploads:
            with self.store.transaction():
                self.store.end(intent.id, st.INTENT_FAILED, error="interrupted")
                if intent.part_id is not None:
                    part = self.store.part(intent.part_id)
                    if part.state == st.UPLOADING:
                        self.store.update_part(part.id, state=st.PENDING, file_id=None)
        return [f"deleted {deleted} unverified upload(s) of an interrupted run"] if deleted else []

    async def _delete_file(self, file_id: str, intent_id: int) -> None:
        try:
            await self.service.delete_file(file_id)
        except ApiError as exc:
            if exc.retryable:
                raise
            self.store.end(intent_id, st.INTENT_FAILED, error=exc.message)
            return
        self.store.end(intent_id, st.INTENT_DONE)
