"""The checked-in presets: compose/<mode>.yaml and configs/<mode>/, runnable with plain docker compose.

Regenerate with `python -m rmqlab.render.presets`; a test keeps them identical to what the code renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rmqlab.render.compose import render_compose
from rmqlab.render.files import render_configs
from rmqlab.topology.layouts import ClusterSpec, build_cluster
from rmqlab.topology.model import Mode
from rmqlab.topology.versions import DEFAULT_VERSION

IMAGE_VARIABLE = "RMQLAB_IMAGE"


def default_image_reference(version: str = DEFAULT_VERSION) -> str:
    """Compose interpolation: the image built by `rmqlab image build`, or $RMQLAB_IMAGE."""
    return "${" + IMAGE_VARIABLE + ":-rmqlab/rocketmq:" + version + "}"


def preset_files() -> dict[str, str]:
    files = {}
    for mode in Mode:
        cluster = build_cluster(ClusterSpec(mode=mode, name=mode.value))
        files.update(render_configs(cluster, root=f"configs/{mode.value}"))
        files[f"compose/{mode.value}.yaml"] = render_compose(
            cluster, default_image_reference(cluster.version), config_root=f"../configs/{mode.value}"
        )
    return dict(sorted(files.items()))


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path.cwd()
    for stale in [*root.glob("compose/*.yaml"), *root.glob("configs/*/*/*.properties")]:
        stale.unlink()
    for relative, text in preset_files().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
