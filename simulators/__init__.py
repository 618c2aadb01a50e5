"""The sandbox: one faithful simulator per vendor, each a real HTTP server.

Shipped as the ``[sandbox]`` extra and left out of the production image. Nothing here imports the
gateway, the adapters or the policies; the gateway finds a vendor's simulator through the module
its adapter declaration names.
"""
