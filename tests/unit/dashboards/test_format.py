"""The shading of the adoption matrix keeps its numbers readable at every share."""

import colorsys
import re

import pytest

from adoption.dashboards.templatetags.dashboard_format import shade


def luminance(red, green, blue):
    """WCAG 2 relative luminance of an sRGB colour given as fractions."""

    def linear(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(style):
    hue, saturation, lightness = map(
        int, re.search(r"hsl\((\d+), (\d+)%, (\d+)%\)", style).groups()
    )
    background = luminance(*colorsys.hls_to_rgb(hue / 360, lightness / 100, saturation / 100))
    text = re.search(r"color:#(\w{6})", style).group(1)
    foreground = luminance(*(int(text[i : i + 2], 16) / 255 for i in (0, 2, 4)))
    lighter, darker = max(background, foreground), min(background, foreground)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("share", [i / 100 for i in range(101)])
def test_every_shade_keeps_its_text_at_4_5_to_1(share):
    assert contrast(shade(share)) >= 4.5
