"""The `zfcompanion` command: train, evaluate, data, book. A mistake in the input prints one sentence
and exits with status 2; there is no traceback for anything the user can fix."""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from . import checkpoints, profiles
from .errors import UserError, one_sentence
from .evaluation import VIEWS
from .models import VARIANTS


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`).\n")


def int_at_least(minimum: int, maximum: int | None = None):
    """An argparse type: a whole number no smaller than `minimum` (and no larger than `maximum`)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at most {maximum}")
        return value
    return parse


SEED = int_at_least(0, 2 ** 32 - 1)  # what every random generator the project seeds accepts


def folder(text: str) -> Path:
    """An argparse type: a folder's path, never empty (an empty path is the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path would write into the current folder: name a folder")
    return Path(text)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=list(profiles.PROFILES), default="mini",
                        help="scale to run at (default: mini)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="dataset folder (mini: torchvision's FashionMNIST layout; paper: ImageNet train/ and val/)")


def checkpoint_dir(profile: str) -> Path:
    """A profile's checkpoint folder when none is given: this repository's data/checkpoints/PROFILE,
    whatever the current directory, for every command."""
    from .files import ROOT

    return ROOT / "data" / "checkpoints" / profile


def cmd_train(args: argparse.Namespace) -> None:
    from .train import TrainConfig, run_name, train

    profile = profiles.get(args.profile)
    out = args.out or checkpoint_dir(profile.name) / run_name(args.arch, args.variant, not args.no_clip, args.seed)
    # train() says whether it wrote final.pt or found it from an earlier run
    train(TrainConfig(profile=profile, out_dir=out, arch=args.arch, variant=args.variant,
                      data_dir=args.data_dir, epochs=args.epochs, seed=args.seed,
                      clip_filters=not args.no_clip, snapshots=not args.no_snapshots, half_final=args.fp16,
                      device=args.device, compile=args.compile, limit=args.limit, batch_size=args.batch_size,
                      workers=args.workers, precision=args.precision))


def cmd_study(args: argparse.Namespace) -> None:
    from .study import train_runs

    profile = profiles.get(args.profile)
    folder = args.out or checkpoint_dir(profile.name) / "study"
    train_runs(profile, folder, args.data_dir, args.device, args.shard, args.shards, args.epochs, args.limit,
               precision=args.precision, batch_size=args.batch_size, workers=args.workers)
    print(f"The study's runs of shard {args.shard} of {args.shards} are in {folder}")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from .data import Loader, pretraining_splits, workers
    from .evaluation import evaluate
    from .devices import resolve_device

    device = resolve_device(args.device)
    model, _ = checkpoints.load_model(args.checkpoint)
    record = checkpoints.entry(args.checkpoint)
    profile = profiles.get(record["profile"])
    splits = pretraining_splits(profile, args.data_dir)
    split = args.split or ("test" if splits.test is not None else "val")
    dataset = splits.test if split == "test" else splits.val
    if dataset is None:
        raise UserError(f"The {profile.name} profile has no labelled test set: use --split val.")
    loader = Loader(dataset, batch_size=256, num_workers=workers(profile))
    print(f"{args.checkpoint} on the {split} set ({len(dataset)} images), errors in %:")
    for count in args.views:
        result = evaluate(model.to(device), loader, profile.input_size, profile.top_k, count,
                          device=device, progress=True)
        print(f"  {count:>2}-view  " + "  ".join(f"{key} {value:.2f}" for key, value in result.items()))


def cmd_data(args: argparse.Namespace) -> None:
    from .data import download, pretraining_splits

    profile = profiles.get(args.profile)
    for name in args.download_weights or []:
        print(f"Downloaded {checkpoints.download_torchvision_weights(name)}")
    if args.download_weights and not (args.import_weights or args.download):
        return  # weights only: the profile's dataset is another matter
    if args.import_weights:
        out = args.out or checkpoint_dir("paper") / f"{args.import_weights}-torchvision"
        print(f"Wrote {checkpoints.import_torchvision(args.import_weights, out)}: pass --network {out.name} "
              f"(and --checkpoint-dir {out.parent}) to `zfcompanion book`")
        return
    if args.download:
        if args.data_dir is None:
            raise UserError("--download needs --data-dir: the folder to download into.")
        print(f"Downloaded {profile.dataset} into {download(profile, args.data_dir)}")
    splits = pretraining_splits(profile, args.data_dir)
    sizes = {"train": len(splits.train), "val": len(splits.val), "test": len(splits.test) if splits.test else 0}
    print(f"{profile.dataset}: {len(splits.classes)} classes, " + ", ".join(f"{n} {k}" for k, n in sizes.items())
          + f"; mean image {tuple(splits.mean_image.shape)}, mean pixel {splits.mean_image.mean():.2f}")


def cmd_book(args: argparse.Namespace) -> None:
    from .book import chapter_path, rebuild
    from .parameters import require_path
    from .devices import resolve_device

    profile = profiles.get(args.profile)
    folder = args.checkpoint_dir or checkpoint_dir(profile.name)
    if not args.html_only:  # checked before any chapter starts: one sentence, not a chapter's failure
        for option, path in (("--checkpoint-dir", folder), ("--data-dir", args.data_dir),
                             ("--annotations", args.annotations), ("--transfer-dir", args.transfer_dir)):
            require_path(option, path)
        resolve_device(args.device)
    parameters = {"profile": profile.name, "checkpoint_dir": chapter_path(folder),
                  "data_dir": chapter_path(args.data_dir) if args.data_dir else None,
                  "device": args.device, "seed": args.seed, "network": args.network}
    if args.annotations:  # Fig. 8 / Table 1's images and parts, where the profile has none of its own
        parameters["annotations"] = chapter_path(args.annotations)
    if args.transfer_dir:  # Tables 4-7 on the paper profile: Caltech-101, Caltech-256, PASCAL VOC 2012
        parameters["transfer_dir"] = chapter_path(args.transfer_dir)
    rebuild(parameters, only=args.only, execute_chapters=not args.html_only, html=not args.no_html,
            repository=args.repository_url, chapter_values={name: literal(value) for name, value in args.parameter},
            output=args.output, rerun=args.rerun)


def literal(text: str) -> object:
    """A value given on the command line: a Python literal (8, 0.5, [15, 30], None) or else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _cluster_options(command: argparse.ArgumentParser) -> None:
    """`train`'s and `study`'s settings for the machine they run on (a run with other settings than the
    default batch size or precision is another run: `TrainConfig.identity`)."""
    command.add_argument("--batch-size", type=int_at_least(1), default=None,
                         help="images per step over all processes (default: the profile's, the paper's 128)")
    command.add_argument("--workers", type=int_at_least(0), default=None,
                         help="data-loading processes per training process (default: the profile's)")
    command.add_argument("--precision", choices=["auto", "bf16", "fp16", "fp32"], default="auto",
                         help="auto: bf16 on GPUs and on CPUs with bf16 units, else fp32; fp16 (loss scaled) for GPUs "
                              "without bf16 such as V100 and T4")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="zfcompanion", description="The executable companion to Zeiler & Fergus (2014).")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    train = commands.add_parser("train", help="train a network with the paper's recipe")
    _common(train)
    train.add_argument("--arch", choices=["zf", "alexnet"], default="zf", help="Fig. 3's network or the AlexNet replication")
    train.add_argument("--variant", choices=list(VARIANTS), default="base", help="an architectural change of Tables 2-3")
    train.add_argument("--out", type=folder, default=None, help="checkpoint folder (default: the repository's data/checkpoints/PROFILE/RUN)")
    train.add_argument("--epochs", type=int_at_least(1), default=None, help="default: the profile's")
    train.add_argument("--seed", type=SEED, default=0)
    train.add_argument("--no-clip", action="store_true", help="turn feature-scale clipping off (Fig. 6a)")
    train.add_argument("--no-snapshots", action="store_true", help="keep final.pt only, not the profile's snapshot epochs")
    train.add_argument("--fp16", action="store_true", help="store final.pt's weights in fp16 (half the bytes)")
    train.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (torchrun sets N per process)")
    train.add_argument("--compile", action="store_true", help="torch.compile the network")
    train.add_argument("--limit", type=int_at_least(1), default=None,
                       help="train on N images spread over the set only (smoke runs)")
    _cluster_options(train)
    train.set_defaults(run=cmd_train)

    study = commands.add_parser("study", help="train the networks of Tables 2 and 3 (ensembles and ablations)")
    _common(study)
    study.add_argument("--out", type=folder, default=None, help="default: the repository's data/checkpoints/PROFILE/study")
    study.add_argument("--epochs", type=int_at_least(1), default=None, help="default: the profile's study_epochs")
    study.add_argument("--shard", type=int_at_least(0), default=0, help="train every SHARDS-th run from this one")
    study.add_argument("--shards", type=int_at_least(1), default=1, help="processes the study is split between")
    study.add_argument("--device", default="cpu")
    study.add_argument("--limit", type=int_at_least(1), default=None,
                       help="train on N images spread over the set only (smoke runs)")
    _cluster_options(study)
    study.set_defaults(run=cmd_study)

    evaluate = commands.add_parser("evaluate", help="top-1/top-k error of a checkpoint, 1-view and 10-view")
    evaluate.add_argument("checkpoint", type=Path)
    evaluate.add_argument("--data-dir", type=Path, default=None)
    evaluate.add_argument("--split", choices=["val", "test"], default=None,
                          help="default: test where the profile has a labelled test set (mini), else val (paper)")
    evaluate.add_argument("--views", type=int, nargs="+", choices=list(VIEWS), default=list(VIEWS))
    evaluate.add_argument("--device", default="cpu")
    evaluate.set_defaults(run=cmd_evaluate)

    data = commands.add_parser("data", help="check that a profile's data is in place, or download it")
    _common(data)
    data.add_argument("--download", action="store_true", help="download the dataset with torchvision (needs the internet)")
    data.add_argument("--download-weights", nargs="+", choices=list(checkpoints.TORCHVISION_NETWORKS),
                      help="download torchvision's ImageNet-pretrained weights (needs the internet)")
    data.add_argument("--import-weights", choices=["alexnet"],
                      help="turn torchvision's downloaded AlexNet into a checkpoint the chapters read")
    data.add_argument("--out", type=Path, default=None,
                      help="with --import-weights: the folder (default: the repository's data/checkpoints/paper/alexnet-torchvision)")
    data.set_defaults(run=cmd_data)
    book = commands.add_parser("book", help="execute the chapters with papermill and build the book")
    _common(book)
    book.add_argument("--checkpoint-dir", type=Path, default=None, help="default: the repository's data/checkpoints/PROFILE")
    book.add_argument("--network", default="zf",
                      help="the folder under --checkpoint-dir of the network that the single-network chapters study "
                           "(default: zf; alexnet-torchvision after `zfcompanion data --import-weights alexnet`)")
    book.add_argument("--device", default="cpu")
    book.add_argument("--seed", type=SEED, default=0)
    book.add_argument("--annotations", type=Path, default=None,
                      help="Fig. 8 / Table 1's images and parts (JSON, see data/annotations/README.md); default: the profile's")
    book.add_argument("--transfer-dir", type=Path, default=None,
                      help="paper profile, Tables 4-7: the folder holding caltech101/, caltech256/ and VOCdevkit/ (README)")
    book.add_argument("--only", nargs="+", metavar="CHAPTER", help="execute only these chapters (e.g. fig3)")
    book.add_argument("--output", type=Path, default=None, metavar="DIR",
                      help="build the book in DIR (default: this repository for the mini profile, "
                           "build/book-PROFILE for another)")
    book.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                      help="set a chapter's own parameter, as papermill's -p does (e.g. -p atlas_maps 8 for a "
                           "quicker atlas); the chapters' parameters cells list them")
    book.add_argument("--rerun", action="store_true",
                      help="execute every chapter chosen, also those whose inputs are as when they last ran")
    book.add_argument("--no-html", action="store_true", help="execute the chapters, skip jupyter-book")
    book.add_argument("--html-only", action="store_true", help="render the HTML from the executed notebooks as they are")
    book.add_argument("--repository-url", default=None, metavar="URL",
                      help="where the book's repository is published: pages link to it and offer a Binder launch "
                           "(default: no such buttons)")
    book.set_defaults(run=cmd_book)
    return parser


def os_error_sentence(error: OSError) -> str:
    """An operating-system error as one sentence: which file, what went wrong, what to do."""
    where = " and ".join(str(name) for name in (error.filename, error.filename2) if name is not None)
    cause = error.strerror or one_sentence(str(error))
    return (f"{where or 'A file'}: {cause}; check that the path exists and that this user may read and write it, "
            f"then run the same command again.")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except UserError as error:
        print(f"zfcompanion {args.command}: {one_sentence(str(error))}", file=sys.stderr)
        return 2
    except OSError as error:  # what the library did not foresee: still one sentence, naming the file
        print(f"zfcompanion {args.command}: {os_error_sentence(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"zfcompanion {args.command}: interrupted; run the same command again to resume.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
