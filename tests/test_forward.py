

def test_the_fuzz_draws_problems_through_init_and_stops_at_the_first_that_fails(capsys):
    code, report, _ = run(capsys, "softmax3", "backward", "--fuzz", "5")
    assert code == 0 and report["fuzz"]["examples"] == 5 and report["fuzz"]["passed"]
    code, report, _ = run(capsys, "softmax3", "backward_bug", "--fuzz", "5")
    assert code == 1 and report["fuzz"]["examples"] == 1 and not report["fuzz"]["passed"]
