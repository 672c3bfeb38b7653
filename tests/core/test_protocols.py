"""The kernel contract that hooks, blocks and plugins are typed against."""

import inspect

import pytest
from vats.core.config import Config
from vats.core.kernel import Kernel
from vats.core.protocols import KernelAPI, TelegramFrontend


@pytest.mark.parametrize("protocol", [KernelAPI, TelegramFrontend])
def test_the_contract_answers_nothing_untyped(protocol: type) -> None:
    """No ``__getattr__`` (which would let any name through) and no member typed ``Any``."""
    assert "__getattr__" not in vars(protocol)
    for name, member in vars(protocol).items():
        if name.startswith("_"):
            continue
        function = member.fget if isinstance(member, property) else member
        annotations = inspect.get_annotations(function)
        assert annotations, f"{protocol.__name__}.{name} is not annotated"
        assert all("Any" not in str(a) for a in annotations.values()), f"{protocol.__name__}.{name} uses Any"


def test_the_kernel_offers_every_member_of_the_contract() -> None:
    members = {name for name in vars(KernelAPI) if not name.startswith("_")}
    assert members <= set(dir(Kernel(Config.from_env({}))))


def test_a_kernel_not_started_says_so_instead_of_handing_out_none() -> None:
    kernel = Kernel(Config.from_env({}))
    with pytest.raises(RuntimeError, match=r"Kernel.start\(\) was not called"):
        _ = kernel.db
    with pytest.raises(RuntimeError, match=r"Kernel.start\(\) was not called"):
        _ = kernel.snapshots
