"""Where submissions are graded: a Dask cluster (autograde), or this process (check).

Each executor takes the batch's tasks (plain data: the submission's files, the course root's
path) and yields (student, result) as results come back, in any order. With Dask, one task
per submission goes to the cluster: a local one of `--workers` processes by default, or an
existing scheduler (`--scheduler tcp://host:8786`, e.g. workers on Slurm through
dask-jobqueue). Dask does what a home-made pool would: workers, retries after a worker dies,
progress. What Dask cannot do stays ours: the sandbox and the limits inside each task.
"""

import contextlib
import logging
import threading
import traceback
import uuid

_ONE_AT_A_TIME = threading.Lock()  # a worker process grades one submission at a time


def grade_task(task, template):
    """A Dask task: grade one submission in this worker process (never raises)."""
    from grader.worker.grade import grade_submission

    with _ONE_AT_A_TIME:
        try:
            return grade_submission({**task, "gradebook": template})
        except BaseException as error:  # reported, never lost
            return {"student": task["student"], "status": "error",
                    "error": f"{type(error).__name__}: {error}\n{traceback.format_exc()[-3000:]}"}


class InProcess:
    """Grade in this process, one submission after the other (grader check)."""

    description = "in this process"

    def grade(self, tasks, template):
        for task in tasks:
            yield task["student"], grade_task(task, template)

    def grade_batches(self, tasks, template):
        for item in self.grade(tasks, template):
            yield [item]


class DaskExecutor:
    """Grade on a Dask cluster: a local one of `workers` processes, or the one at `scheduler`.

    Args:
        workers: worker processes of the local cluster (one submission each at a time).
        scheduler: address of an existing scheduler; its workers must run one thread each
            and preload `grader.dask_preload` (see grader/README.md, "Grading on a cluster").
        max_worker_deaths: a submission whose grading kills this many workers (kill -9, out of
            memory, a crash outside the sandbox) is given up with a reason.
    """

    task = staticmethod(grade_task)  # what runs on a worker, for one submission

    def __init__(self, workers=1, scheduler=None, max_worker_deaths=3):
        self.workers = max(1, int(workers))
        self.scheduler = scheduler
        self.max_worker_deaths = max(1, int(max_worker_deaths))
        self.description = (f"Dask scheduler {scheduler}" if scheduler
                            else f"a local Dask cluster of {self.workers} worker process(es)")

    @contextlib.contextmanager
    def client(self):
        import dask
        from distributed import Client, LocalCluster

        with dask.config.set({"distributed.scheduler.allowed-failures": self.max_worker_deaths - 1,
                              "distributed.worker.daemon": False,
                              "distributed.admin.tick.limit": "1h"}):
            if self.scheduler:
                with Client(self.scheduler, set_as_default=False) as client:
                    yield client
                return
            cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, memory_limit=0,
                dashboard_address=None, silence_logs=logging.ERROR,
                preload=["grader.dask_preload"], preload_nanny=["grader.dask_preload"])
            try:
                with Client(cluster, set_as_default=False) as client:
                    yield client
            finally:
                with contextlib.suppress(Exception):
                    cluster.close(timeout=30)

    def grade(self, tasks, template):
        for ready in self.grade_batches(tasks, template):
            yield from ready

    def grade_batches(self, tasks, template):
        """Lists of (student, result): each list holds every result that was ready at that moment.

        When workers finish faster than the client saves, the lists grow, and the client saves
        each list in one go: the writer keeps up by doing more per step, not by running twice.
        """
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        with self.client() as client:
            # The template goes with each task, not scattered once: scattered data lives only on the
            # workers, and a submission that kills its worker would take it along, cancelling every
            # task still waiting for it.
            batch = uuid.uuid4().hex[:8]
            futures = {client.submit(self.task, task, template, pure=False,
                                     key=f"grade-{task['student']}-{batch}"): task["student"]
                       for task in tasks}
            for finished in as_completed(futures, loop=client.loop).batches():
                ready = []
                for future in finished:
                    student = futures[future]
                    try:
                        result = future.result()
                    except KilledWorker:
                        result = {"student": student, "status": "error",
                                  "error": f"grading this submission stopped {self.max_worker_deaths} grading "
                                           f"workers (killed, out of memory or crashed); given up"}
                    except Exception as error:  # a cluster failure for this task
                        result = {"student": student, "status": "error",
                                  "error": f"the cluster could not grade it ({type(error).__name__}: {error})"}
                    future.release()
                    ready.append((student, result))
                yield ready
