"""Media: the only code that opens and decodes files.

Every medium yields :class:`~emblemcheck.media.frames.Frame` values (a decoded
picture with its index among the file's frames or pages), so the scanner
does not care whether a picture came from a PNG, page 3 of a TIFF or frame 40
of a GIF, page 2 of a PDF (``pdf``) or 0:16 of a video (``video``). ``content``
tells what bytes are before anything decodes them. A new medium (the pictures
inside a slide deck) goes here as a module that yields Frames, and
``frames.iter_frames`` dispatches to it by content.
"""
