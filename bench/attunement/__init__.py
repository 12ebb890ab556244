"""The attunement benchmark: simulated creators, cocreate's strategies and GP anchors."""
