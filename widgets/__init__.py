"""The bench window's parts (Qt widgets); device I/O stays in instruments/ and procedures/."""
