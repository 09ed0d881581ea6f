// enipool-plan: a line chart in SVG, written by hand (it is simple XML): stacked panels
// sharing one time axis, one line per series, axes with ticks, a legend.
#pragma once

#include <string>
#include <vector>

namespace enipool_plan {

/// One line: a label (the legend's text) and its points (x in the panel's units).
struct svg_series {
    std::string label;
    std::vector<double> x;
    std::vector<double> y;
};

/// One panel: a title, the y axis' label, its lines.
struct svg_panel {
    std::string title;
    std::string y_label;
    std::vector<svg_series> series;
};

/// The whole chart as an SVG document: panels stacked top to bottom, the x axis labelled
/// `x_label` under each, a legend of the first panel's labels (every panel uses the same
/// labels in the same order, so the same colours). Deterministic: same input, same bytes.
[[nodiscard]] std::string render_svg(const std::string& title, const std::string& x_label,
                                     const std::vector<svg_panel>& panels);

} // namespace enipool_plan
