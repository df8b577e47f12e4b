"""``emblemcheck explain``: draw the evidence for what a scan finds in one image."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..i18n import _
from .app import app
from .options import HomeOption, check_output, home_of


@app.command()
def explain(
    image: Annotated[Path, typer.Argument(help="The image to explain.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG file to write.")],
    emblem: Annotated[str | None, typer.Option("--emblem", help="Only look for this emblem id.")] = None,
    page: Annotated[int | None, typer.Option("--page", min=1,
                                             help="The page of a PDF (or slide of a deck) to draw.")] = None,
    at: Annotated[float | None, typer.Option("--at", min=0,
                                             help="In a video: draw the sampled frame nearest this second.")] = None,
    home: HomeOption = None,
) -> None:
    """Draw what was found: the image with the matched outline and label, beside the
    catalogue rendering, with the matched points joined. In a PDF, a video or an
    office document: the first page, frame or embedded picture with a finding.

    Example: emblemcheck explain photo.jpg --emblem gc-signature-en -o why.png
    Example: emblemcheck explain memo.pdf --page 2 -o why.png
    """
    check_output(output)
    # Imported here: the explanation runs the engine (OpenCV, numpy), which --help need not load.
    from PIL import Image

    from ..reports.explain import explain_image

    result = explain_image(image, home_of(home), emblem, page=page, at=at)
    Image.fromarray(result.picture, "RGB").save(output, "PNG")
    if result.where:
        typer.echo(_("{image}: {where}").format(image=image, where=result.where))
    if not result.findings:
        typer.echo(_("nothing found in {image}; wrote {output}").format(image=image, output=output))
        return
    for found, seen_as in zip(result.findings, result.matched_as or [""] * len(result.findings), strict=True):
        line = _("{emblem}: score {score:.2f}, {inliers} matched points, box {box}").format(
            emblem=found.emblem_id, score=found.score, inliers=found.inliers, box=list(found.box))
        typer.echo(line + (_(", matched as {object}").format(object=seen_as) if seen_as else ""))
    typer.echo(_("wrote {output}").format(output=output))
