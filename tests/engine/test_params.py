import pytest

from varena.engine.errors import SpecError
from varena.engine.params import Param, Spec, bind, parse_spec, suggest

PARAMS = (
    Param("size", int, 9, "board size", low=5, high=25),
    Param("komi", float, 7.5, "komi", low=-100, high=100),
    Param("rule", str, "freestyle", "rule", choices=("freestyle", "renju")),
    Param("suicide", bool, False, "allow suicide"),
    Param("cmd", str, None, "command"),
)


def test_parse_plain_and_args():
    assert parse_spec("gomoku") == Spec("gomoku")
    assert parse_spec(" go:size=9, komi=6.5 ") == Spec("go", (("size", "9"), ("komi", "6.5")))


def test_parse_quoted_values_keep_commas_and_colons():
    spec = parse_spec('gtp:cmd="gnugo --mode gtp, --level 1",name=\'a:b\'')
    assert dict(spec.args) == {"cmd": "gnugo --mode gtp, --level 1", "name": "a:b"}
    assert parse_spec(str(spec)) == spec


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty spec"),
        ("go:", "nothing after"),
        ("go:size", "not key=value"),
        ("go:size=9,", "trailing"),
        ("go:size=9,size=7", "given twice"),
        ('go:cmd="open', "unclosed quote"),
        ("go:9x=1", "bad parameter name"),
        ("g o", "bad name"),
    ],
)
def test_parse_errors_are_one_line(text, fragment):
    with pytest.raises(SpecError, match=fragment) as info:
        parse_spec(text)
    assert "\n" not in str(info.value)


def test_bind_fills_defaults_and_converts():
    got = bind(PARAMS, {"size": "13", "suicide": "yes", "komi": "0"}, "game 'go'")
    assert got == {"size": 13, "komi": 0.0, "rule": "freestyle", "suicide": True, "cmd": None}


@pytest.mark.parametrize(
    "given, fragment",
    [
        ({"size": "30"}, r"size='30' is not accepted \(too large\); accepted: integer 5..25"),
        ({"size": "nine"}, "accepted: integer 5..25"),
        ({"size": "9.5"}, "accepted: integer 5..25"),
        ({"komi": "nan"}, "not a finite number"),
        ({"rule": "renjuu"}, "did you mean 'renju'"),
        ({"suicide": "maybe"}, "true or false"),
        ({"sise": "9"}, "unknown parameter 'sise' \\(did you mean 'size'\\?\\)"),
    ],
)
def test_bind_errors_name_parameter_value_and_range(given, fragment):
    with pytest.raises(SpecError, match=fragment):
        bind(PARAMS, given, "game 'go'")


def test_suggest_closest_name():
    err = suggest("gomuku", ["gomoku", "go", "tsp"], "game")
    assert "did you mean 'gomoku'" in str(err) and "known: go, gomoku, tsp" in str(err)
