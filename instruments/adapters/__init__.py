"""Role adapters: each maps one driver onto its role, so experiments never see vendor commands.

Every module here also declares the driver's registry entry (``ENTRY``): its
role, how to open it on a real address, and its simulated counterpart.
"""
