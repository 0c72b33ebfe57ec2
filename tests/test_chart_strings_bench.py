"""bench/chart_strings.py draws charts with the strings it drew, and counts what OCR found."""

from conftest import load_script

charts_bench = load_script("bench/chart_strings.py")


def test_the_same_seed_draws_the_same_charts_of_each_kind():
    charts = charts_bench.draw_charts(5, seed=4)
    again = charts_bench.draw_charts(5, seed=4)
    assert [c.image.tobytes() for c in charts] == [c.image.tobytes() for c in again]
    assert [c.strings for c in charts] == [c.strings for c in again]
    for chart in charts:
        assert 400 <= chart.image.width <= 640 and chart.strings[0] in charts_bench.TITLES
    bars, horizontal, lines, pie, stacked = charts
    for chart in (bars, horizontal, lines, stacked):
        assert chart.strings[1] in charts_bench.AXIS_TITLES
    assert any(s.endswith("%") for s in horizontal.strings)  # percentages
    assert any(charts_bench.THIN_SPACE in s for s in lines.strings)  # 31 846
    # a pie has no axis title; its shares add up to about 100 %
    assert not set(pie.strings) & set(charts_bench.AXIS_TITLES)
    assert 97 <= sum(int(s[:-1]) for s in pie.strings if s.endswith("%")) <= 103
    # stacked bars: a legend, and each bar's two shares add up to 100 %
    assert stacked.strings[-2:] == ["Yes", "No"]
    shares = [int(s[:-1]) for s in stacked.strings if s.endswith("%")]
    assert shares and all(a + b == 100 for a, b in zip(shares[::2], shares[1::2]))


def test_strings_found_counts_whole_strings_in_the_text_read():
    class Reads:
        def __init__(self, text: str) -> None:
            self.text = text

        def read(self, image, mode):
            return self

    chart = charts_bench.draw_charts(1, seed=0)[0]
    title = chart.strings[0]
    found, drawn, _ = charts_bench.found_share(Reads(f"{title}\nnoise"), [chart], 1.0)
    assert drawn == len(chart.strings) and found == 1
    found, _, _ = charts_bench.found_share(Reads("\n".join(chart.strings)), [chart], 1.5)
    assert found == drawn
