"""Imported by the chart pools' forkserver only, before anything else (``generator.lifeline``).

Importing it is the one hook Python gives into the forkserver process: it arms the
parent-death signal there, so the forkserver, and through it every pool worker, dies with
the rotation process that started it. Nothing else imports this module.
"""

from generator.lifeline import arm_forkserver

arm_forkserver()
