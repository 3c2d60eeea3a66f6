"""Test support: real builds in a subprocess, static servers, fixture sites and photos."""
