"""Scanning: one file's verdict (``scanner``), and folders of them.

``walk`` lists what to scan, ``wordpress`` groups a CMS's derived copies and
``derived`` checks that a copy holds only its original's pixels,
``pool`` runs the scanner in workers behind one small protocol (a cluster
backend is another implementation of it), ``folder`` drives a folder scan
and keeps it incremental, ``baseline`` accepts findings a user is entitled
to, and ``history`` is the only code that reads or writes scans.db.
"""
