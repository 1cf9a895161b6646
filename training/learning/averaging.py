"""Weight averaging: the final model is the mean of its weights at the end of the last epochs.

On a few hundred articles the dev scores jump from epoch to epoch, so picking the "best" epoch
picks noise as much as quality. The mean of the weights over the second part of training (the
stochastic weight averaging of Izmailov et al., 2018, at the learning rate the schedule gives)
is one model that sits between those epochs, and needs no choice at all.

:class:`WeightAverage` keeps the running sum of the trainable weights from epoch
``start_epoch`` on, writes it into every checkpoint (``weight_average.safetensors``) so that a
resumed run goes on with it, and loads the mean into the model when training ends.

    >>> import torch
    >>> avg = WeightAverage(start_epoch=2)
    >>> net = torch.nn.Linear(1, 1, bias=False)
    >>> for epoch, w in ((1, 10.0), (2, 1.0), (3, 3.0)):
    ...     _ = net.weight.data.fill_(w)
    ...     avg.add(net, epoch)
    >>> avg.load_into(net), net.weight.item()
    (2, 2.0)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from transformers import TrainerCallback

logger = logging.getLogger(__name__)

FILE_NAME = "weight_average.safetensors"
_COUNT = "__epochs_averaged__"


class WeightAverage(TrainerCallback):
    """Running mean of the trainable weights over the epochs from ``start_epoch`` (1-based) on.

    ``resume_from``: the checkpoint a resumed run starts from (its saved sum is read back)."""

    def __init__(self, start_epoch: int, resume_from: str | Path | None = None):
        if start_epoch < 1:
            raise ValueError(f"start_epoch must be 1 or more, got {start_epoch}")
        self.start_epoch = start_epoch
        self.resume_from = resume_from
        self.sums: dict[str, torch.Tensor] = {}
        self.count = 0

    # ---- the sum ----
    def add(self, model: torch.nn.Module, epoch: int) -> None:
        """Add the model's current trainable weights when ``epoch`` is an averaged one."""
        if epoch < self.start_epoch:
            return
        with torch.no_grad():
            for name, p in model.named_parameters():
                if p.requires_grad:
                    w = p.detach().float().cpu()
                    self.sums[name] = self.sums[name] + w if name in self.sums else w.clone()
        self.count += 1

    def load_into(self, model: torch.nn.Module) -> int:
        """Set the model's trainable weights to their mean; returns the number of epochs averaged
        (0: nothing averaged, the model is left as it is)."""
        if not self.count:
            return 0
        params = dict(model.named_parameters())
        with torch.no_grad():
            for name, total in self.sums.items():
                params[name].copy_((total / self.count).to(params[name].dtype))
        return self.count

    def save(self, directory: str | Path) -> None:
        """Write the sum and its count into ``directory`` (a checkpoint), atomically."""
        path = Path(directory) / FILE_NAME
        tmp = path.with_suffix(".tmp")
        save_file({**self.sums, _COUNT: torch.tensor([self.count])}, str(tmp))
        os.replace(tmp, path)

    def restore(self, directory: str | Path) -> None:
        """Read back the sum a checkpoint holds (none: the run had not reached ``start_epoch``)."""
        path = Path(directory) / FILE_NAME
        if not path.is_file():
            return
        data = load_file(str(path))
        self.count = int(data.pop(_COUNT)[0])
        self.sums = data

    # ---- TrainerCallback events ----
    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.resume_from:
            self.restore(self.resume_from)

    def on_epoch_end(self, args: Any, state: Any, control: Any, model: torch.nn.Module | None = None,
                     **kwargs: Any) -> None:
        if model is not None:
            self.add(model, round(state.epoch))

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if self.count and ckpt.is_dir() and args.process_index == 0:
            self.save(ckpt)

    def on_train_end(self, args: Any, state: Any, control: Any, model: torch.nn.Module | None = None,
                     **kwargs: Any) -> None:
        if model is None:
            return
        n = self.load_into(model)
        if n:
            logger.info("final weights: the mean of %d epochs (from epoch %d on)", n, self.start_epoch)
        else:
            logger.warning("training ended before epoch %d: the final weights are the last ones, not averaged",
                           self.start_epoch)
