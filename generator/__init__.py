"""netmera-codegen: compiles Netmera event schemas into a typed Python client package."""

__version__ = "0.1.0"
