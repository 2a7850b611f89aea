"""The ``gan-course`` command: exercises, reset, check, grade (and the tools later lessons add)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gan_course.course import exercises


def _root(args) -> Path:
    return exercises.find_root(Path(args.root) if args.root else None)


def cmd_exercises(args) -> int:
    root = _root(args)
    try:
        written = exercises.generate_all(root, backup=args.backup)
    except exercises.StudentWorkError as err:
        print(f"error: {err}\n(pass --backup to keep each edited notebook as a .backup-<time>.ipynb and regenerate)",
              file=sys.stderr)
        return 1
    for w in written:
        extra = f" (your version kept as {w.backup.name})" if w.backup else ""
        print(f"{w.action:>9}: {w.path.relative_to(root)}{extra}")
    return 0


def cmd_reset(args) -> int:
    root = _root(args)
    w = exercises.reset_lesson(root, args.lesson)
    if w.backup:
        print(f"fresh copy: {w.path.relative_to(root)}; your version is kept as {w.backup.relative_to(root)}")
    else:
        print(f"fresh copy: {w.path.relative_to(root)} ({w.action}; there were no edits to keep)")
    return 0


def cmd_check(args) -> int:
    from gan_course.course.grading import grade_notebook  # imports nbclient: only this command needs it

    report = grade_notebook(Path(args.path), mode=args.mode, timeout=args.timeout)
    print(report.format())
    return 0 if report.all_passed else 1


def cmd_grade(args) -> int:
    from gan_course.course import gradebook  # imports nbclient: only this command needs it

    try:
        rows = gradebook.grade_folder(Path(args.submissions), Path(args.out), _root(args), mode=args.mode,
                                      seed=args.seed, timeout=args.timeout,
                                      jobs=args.jobs or max(1, gradebook.cores() // 2))
    except KeyboardInterrupt:
        return 130
    print(gradebook.summary(rows))
    print(f"grade book: {args.out}")
    failed = [row.file for row in rows if row.status == "grader error"]
    if failed:  # the grader's own trouble, not the students': say so in the exit status
        print(f"error: the grader could not grade {len(failed)} submission(s): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _at_least(minimum: float, kind=int):
    def parse(text: str):
        value = kind(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number of at least {minimum:g}, got {text}")
        return value
    return parse


def cmd_train_classifier(args) -> int:
    from gan_course.course.classifier_asset import save_classifier, train_classifier

    model, acc = train_classifier(epochs=args.epochs, seed=args.seed)
    print(f"held-out accuracy: {acc:.2%} on the 500 held-out digits")
    if args.no_save:
        return 0
    path, shipped_acc = save_classifier(model, args.epochs, args.seed, Path(args.out) if args.out else None)
    print(f"saved {path} ({path.stat().st_size / 1024:.0f} KB, float16: {shipped_acc:.2%} held out) and its card")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gan-course", description="Tools for the gan-course notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("exercises", help="write notebooks/ (student versions) from solutions/")
    p.add_argument("--backup", action="store_true", help="keep edited notebooks as backups instead of refusing")
    p.add_argument("--root", help="the course checkout (default: found from the working directory)")
    p.set_defaults(func=cmd_exercises)

    p = sub.add_parser("reset", help="a fresh copy of lesson NN; your version is kept as a backup")
    p.add_argument("lesson", help="lesson number, e.g. 01")
    p.add_argument("--root", help="the course checkout (default: found from the working directory)")
    p.set_defaults(func=cmd_reset)

    p = sub.add_parser("check", help="run a student's notebook and report each exercise's check")
    p.add_argument("path", help="the notebook to grade, e.g. notebooks/01_vanilla_gan.ipynb")
    p.add_argument("--mode", default="quick", choices=("quick", "class", "full"),
                   help="compute mode to run it in (default quick: seconds; the checks are the same in every mode)")
    p.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("grade", help="grade a folder of submissions in parallel into a CSV (student code runs with "
                       "your rights: use a container)")
    p.add_argument("submissions",
                   help="the folder of submitted notebooks (searched recursively; every non-hidden file gets a row)")
    p.add_argument("--out", default="grades.csv", help="the grade book to write (default grades.csv); rows of "
                   "unchanged submissions are reused from it, rows of files no longer in the folder are dropped, and "
                   "a file that is not a grade book is refused")
    p.add_argument("--jobs", type=_at_least(1), default=None,
                   help="notebooks run at once (default: half the cores); torch gets cores / jobs threads each")
    p.add_argument("--timeout", type=_at_least(1, float), default=900,
                   help="seconds allowed per notebook, all cells (default 900)")
    p.add_argument("--mode", default="quick", choices=("quick", "class", "full"),
                   help="compute mode (default quick: the checks are the same in every mode)")
    p.add_argument("--seed", type=_at_least(0), default=0, help="the course seed every notebook runs with (default 0)")
    p.add_argument("--root", help="the course checkout (default: found from the working directory)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("train-classifier", help="train the metrics' digit classifier (ships in gan_course/assets)")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="folder for the weights (default: the package's assets)")
    p.add_argument("--no-save", action="store_true", help="only report the held-out accuracy")
    p.set_defaults(func=cmd_train_classifier)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
