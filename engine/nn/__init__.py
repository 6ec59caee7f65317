"""Neural-network runtime: device choice, the batched evaluator behind the tree search, and
safe checkpoint I/O (safetensors + JSON metadata; no pickle is ever loaded).

Importing this package does not import torch; its modules do.
"""
