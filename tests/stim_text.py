"""What Stim's own parser makes of circuit text: the reference the circuit-text fuzz tests hold qnsim's readers to
(not a test module)."""


def stim_reads(text: str) -> bool:
    """Whether ``stim.Circuit`` reads ``text`` (False: Stim refuses it with a ValueError)."""
    import stim

    try:
        stim.Circuit(text)
    except ValueError:
        return False
    return True
