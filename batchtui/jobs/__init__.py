"""Jobs bigger than one batch: a file of any size run as parts, one batch each (issue #14).

No Textual here. The pieces, for the CLI (``batchtui job ...``) and a UI alike:

- :mod:`.plan`: the input cut into parts that fit the Batch API's limits (and the queue's),
  in one streaming pass, each part a byte range with its hash and tokens;
- :mod:`.prepare`: validate once, plan, write the job (:func:`~.prepare.prepare_isolated`,
  :func:`~.prepare.create_job`);
- :mod:`.store`: the job's durable state in SQLite, with the journal of intents;
- :mod:`.runner`: :class:`~.runner.Runner` feeds the queue, polls, downloads, settles,
  reconciles after a crash, and reports :class:`~.options.JobEvent`\\ s to ``on_event``;
  its parts are mixins on :mod:`.runner_core` (state, events, waiting): :mod:`.reconcile`,
  :mod:`.poll` (the look at the account), :mod:`.feed` (submitting), :mod:`.finish`
  (downloads and settling);
- :mod:`.lock`: one runner per job;
- :mod:`.settle` and :mod:`.merge`: what each batch answered, and the job's results as one
  output and one error file for the join engine;
- :mod:`.status`: a job as JSON-ready data (:func:`~.status.job_status`,
  :func:`~.status.list_jobs`).

A UI lists jobs with :func:`~.status.list_jobs`, reads one with
``JobStore.open(name)`` + :func:`~.status.job_status`, runs one in a worker with
``await Runner(store, service, on_event=...).run()`` (``runner.stop()`` to pause it; a cancel
is ``store.update_job(cancel_requested=1, state="cancelled")`` then ``runner.wake()``), and
opens the results with :func:`~.merge.merge_results` (input, output, errors paths). A
``JobStore`` is an SQLite connection: open one per thread (a status view in the UI thread, the
runner's own in its worker); the database serialises writers and lets readers read as it goes.
"""
