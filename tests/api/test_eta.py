from batchtui.api.eta import ThroughputTracker


def test_no_estimate_until_two_samples() -> None:
    t = ThroughputTracker()
    assert t.estimate("b", 0, 100) is None
    t.observe("b", 0.0, 0)
    assert t.estimate("b", 0, 100) is None


def test_rate_and_eta_over_the_window() -> None:
    t = ThroughputTracker(window=100)
    t.observe("b", 0.0, 0)
    t.observe("b", 10.0, 20)
    t.observe("b", 20.0, 40)
    est = t.estimate("b", 40, 100)
    assert est is not None and est.rate == 2.0 and est.eta_seconds == 30.0


def test_stalled_batch_has_no_eta_and_counts_going_back_reset() -> None:
    t = ThroughputTracker()
    t.observe("b", 0.0, 5)
    t.observe("b", 10.0, 5)
    t.observe("b", 20.0, 5)
    est = t.estimate("b", 5, 100)
    assert est is not None and est.eta_seconds is None
    t.observe("b", 30.0, 1)
    assert t.estimate("b", 1, 100) is None


def test_old_samples_leave_the_window_and_forget() -> None:
    t = ThroughputTracker(window=50)
    t.observe("b", 0.0, 0)
    t.observe("b", 100.0, 10)
    t.observe("b", 110.0, 110)
    est = t.estimate("b", 110, 210)
    assert est is not None and est.rate == 10.0  # the slow start fell out of the window
    t.forget(set())
    assert t.estimate("b", 110, 210) is None
