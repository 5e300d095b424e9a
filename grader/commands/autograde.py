"""`grader autograde`: grade all (or named) submissions on a Dask cluster, resumably.

    python -m grader autograde [STUDENT ...] [--workers N | --scheduler ADDRESS] [--force] [--seed S]
"""

import sys

from grader.batch import AutogradeError, Batch
from grader.executors import DaskExecutor
from grader.sandbox import SandboxError

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_arguments(parser):
    parser.add_argument("students", nargs="*", metavar="STUDENT",
                        help="grade only these students (default: all submissions)")
    parser.add_argument("--workers", "-j", type=int, default=1,
                        help="worker processes of the local Dask cluster (default 1)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on an existing Dask cluster, e.g. tcp://host:8786")
    parser.add_argument("--max-worker-deaths", type=int, default=3, metavar="N",
                        help="give a submission up after it has stopped N workers (default 3)")
    parser.add_argument("--force", action="store_true",
                        help="grade again even submissions already graded and unchanged")
    parser.add_argument("--seed", type=int, default=None,
                        help="base seed of the hidden inputs: each submission's inputs then follow from it, "
                             "the student and the submission's contents, so the same command regrades "
                             "identically (default: fresh inputs every run; the record keeps the seed used)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def format_summary(summary, executor):
    lines = [f"isolation: {summary['isolation']}", f"graded on: {executor.description}"]
    for record in summary["graded"]:
        reason = f"  ({record['reason']})" if record.get("reason") else ""
        lines.append(f"  {record['student']}: {record['score']:g}/{record['max_score']:g}{reason}")
    for record in summary["failed"]:
        lines.append(f"  {record['student']}: NOT GRADED: {record['reason'] or record.get('error', '')}")
    lines.append(f"graded {len(summary['graded'])}, already up to date {len(summary['skipped'])}, "
                 f"could not grade {len(summary['failed'])}")
    for student in summary["unknown"]:
        lines.append(f"no submission for {student!r} in submitted/ (run `grader collect` first?)")
    return "\n".join(lines)


def main(args):
    executor = DaskExecutor(workers=args.workers, scheduler=args.scheduler,
                            max_worker_deaths=args.max_worker_deaths)
    batch = Batch(args.course, executor, force=args.force, quiet=args.quiet, seed=args.seed)
    try:
        summary = batch.run(args.students or None)
    except KeyboardInterrupt:
        print("\ninterrupted: graded submissions are saved; run the same command again to grade the rest",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except (AutogradeError, SandboxError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(format_summary(summary, executor))
    if summary["unknown"]:
        return EXIT_USAGE
    return EXIT_SOME_FAILED if summary["failed"] else EXIT_OK
