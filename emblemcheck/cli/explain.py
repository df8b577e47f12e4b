"""``emblemcheck explain``: draw the evidence for what a scan finds in one image."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import app
from .options import HomeOption, check_output, home_of


@app.command()
def explain(
    image: Annotated[Path, typer.Argument(help="The image to explain.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG file to write.")],
    emblem: Annotated[str | None, typer.Option("--emblem", help="Only look for this emblem id.")] = None,
    home: HomeOption = None,
) -> None:
    """Draw what was found: the image with the matched outline and label, beside the
    catalogue rendering, with the matched points joined.

    Example: emblemcheck explain photo.jpg --emblem gc-signature-en -o why.png
    """
    check_output(output)
    # Imported here: the explanation runs the engine (OpenCV, numpy), which --help need not load.
    from PIL import Image

    from ..reports.explain import explain_image

    result = explain_image(image, home_of(home), emblem)
    Image.fromarray(result.picture, "RGB").save(output, "PNG")
    if not result.findings:
        typer.echo(f"nothing found in {image}; wrote {output}")
        return
    for found, seen_as in zip(result.findings, result.matched_as or [""] * len(result.findings), strict=True):
        typer.echo(f"{found.emblem_id}: score {found.score:.2f}, {found.inliers} matched points, "
                   f"box {list(found.box)}" + (f", matched as {seen_as}" if seen_as else ""))
    typer.echo(f"wrote {output}")
