"""AlphaViT, AlphaViD and AlphaVDA (Fujita 2024): transformer policy-value networks that play
any board size (and point-set problems) with one set of weights, and the MCTS agent they drive.

Modules: :mod:`presets` (configurations, no torch), :mod:`layout` (per-game token layout,
no torch), :mod:`layers` (attention blocks), :mod:`network` (the shared trunk and the three
heads), :mod:`agent` (the ``alphavit`` solver plugin). torch is imported only by
``layers``, ``network`` and ``agent``'s methods, never by importing this package.
"""
