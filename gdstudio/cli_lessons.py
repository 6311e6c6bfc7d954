"""``gdstudio-cli lesson list|show|check``: the built-in lessons and lesson files, headless.

Exit codes: 0 when everything passes, 1 when a model answer fails its own task, 2 for a
lesson that cannot be read or is not valid (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_lesson_command", "run_lesson_command"]

EXIT_FAILED_TASK = 1
EXIT_BAD_INPUT = 2


def add_lesson_command(commands: argparse._SubParsersAction) -> None:
    """The ``lesson`` subcommand and its ``list``, ``show`` and ``check`` actions."""
    lesson = commands.add_parser("lesson", help="list, show or check guided lessons")
    actions = lesson.add_subparsers(dest="lesson_action", required=True, metavar="ACTION",
                                    parser_class=type(lesson))
    listing = actions.add_parser("list", help="the built-in lessons")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    show = actions.add_parser("show", help="print a built-in lesson's file")
    show.add_argument("lesson_id", metavar="ID")
    check = actions.add_parser("check", help="validate a lesson and run its model answers")
    check.add_argument("lesson_ref", metavar="ID_OR_FILE",
                       help="a built-in lesson's id, or a .gdlesson.toml file")
    lesson.set_defaults(command_handler=run_lesson_command)


def run_lesson_command(arguments: argparse.Namespace) -> int:
    """Run ``lesson list|show|check``; return the exit code."""
    from gdstudio.io.lessons import LessonError  # lazy: --help needs no lesson files

    try:
        if arguments.lesson_action == "list":
            return _list(arguments.format)
        if arguments.lesson_action == "show":
            return _show(arguments.lesson_id)
        return _check(arguments.lesson_ref)
    except (LessonError, ValueError) as error:
        print(f"gdstudio-cli: error: {' '.join(str(error).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _list(output_format: str) -> int:
    from gdstudio.io.lessons import builtin_lessons  # lazy: --help needs no lesson files

    entries = [
        {"id": lesson.id, "title": lesson.title, "pages": len(lesson.pages),
         "tasks": len(lesson.tasks), "summary": lesson.summary}
        for lesson in builtin_lessons()
    ]
    if output_format == "json":
        sys.stdout.write(json.dumps(entries, indent=1, ensure_ascii=False) + "\n")
        return 0
    width = max(len(entry["id"]) for entry in entries)
    for number, entry in enumerate(entries, start=1):
        sys.stdout.write(f"{number:>2}. {entry['id']:<{width}}  {entry['title']} "
                         f"({entry['pages']} pages, {entry['tasks']} tasks)\n")
    return 0


def _show(lesson_id: str) -> int:
    from gdstudio.io.lessons import builtin_lesson  # lazy: --help needs no lesson files

    sys.stdout.write(builtin_lesson(lesson_id).source)
    return 0


def _check(reference: str) -> int:
    # lazy: --help needs no lesson files
    from gdstudio.io.lessons import SUFFIXES, builtin_lesson, load_lesson
    from gdstudio.lessons import check_lesson  # lazy: --help needs no lesson files

    path = Path(reference)
    is_file = path.exists() or reference.endswith(SUFFIXES) or any(
        separator in reference for separator in "/\\")
    lesson = load_lesson(path) if is_file else builtin_lesson(reference)
    failed = []
    total = 0
    for page_number, task_number, task, result in check_lesson(lesson):
        total += 1
        where = f"page {page_number}, task {task_number} ({task.kind})"
        sys.stdout.write(f"{'pass' if result.done else 'FAIL'}  {where}: {result.feedback}\n")
        if not result.done:
            failed.append(where)
    if failed:
        sys.stdout.write(f"{lesson.id}: {len(failed)} of {total} model answers fail\n")
        print(f"gdstudio-cli: {lesson.origin}: model answers that fail their task: "
              f"{'; '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED_TASK
    sys.stdout.write(f"{lesson.id}: all {total} model answers pass\n")
    return 0
