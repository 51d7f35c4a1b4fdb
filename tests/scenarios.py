"""Scenarios the tests build: a two-node scenario file and a linear chain network, with the knobs
the tests vary (not a test module)."""

import qnsim


def two_node_scenario(until_s: float, *, formalism: str | None = None, length_km: float = 10.0,
                      rate_hz: float = 2000.0, success_probability: float | None = None) -> str:
    """TOML text of nodes "a" and "b" joined by one link (fidelity 0.9; length in km, rate in Hz) and
    one request a -> b, run for `until_s` seconds in `formalism` (the default one when None)."""
    run = f"until_s = {until_s}\n" + (f'formalism = "{formalism}"\n' if formalism else "")
    link = f"length_km = {length_km}\nfidelity = 0.9\nrate_hz = {rate_hz}\n"
    if success_probability is not None:
        link += f"success_probability = {success_probability}\n"
    return (f'[run]\n{run}\n[[nodes]]\nname = "a"\n\n[[nodes]]\nname = "b"\n\n[[links]]\na = "a"\nb = "b"\n{link}\n'
            '[[requests]]\nsrc = "a"\ndst = "b"\n')


def chain(names, *, formalism="density_matrix", seed=1, node_kwargs=None, **link_kwargs):
    """A linear chain of nodes ``names`` (each built with ``node_kwargs``) joined by identical links
    (``link_kwargs``: lengths in km, rates in Hz)."""
    net = qnsim.Network(formalism, seed=seed)
    for name in names:
        net.add_node(name, **(node_kwargs or {}))
    for a, b in zip(names, names[1:]):
        net.add_link(a, b, **link_kwargs)
    return net
