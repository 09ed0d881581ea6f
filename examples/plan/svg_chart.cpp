// enipool-plan: SVG line charts written with fmt.
#include "svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

namespace enipool_plan {

namespace {

constexpr double width = 900, panel_height = 260, left = 70, right = 20, top_margin = 86, gap = 70;
constexpr std::array<std::string_view, 6> colours = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

// A "nice" tick step (1, 2 or 5 times a power of ten) for about 5 ticks over [0, hi].
double tick_step(double hi) {
    if (hi <= 0) return 1;
    const double raw = hi / 5;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * p) return m * p;
    return 10 * p;
}

std::string number(double v) {
    if (std::fabs(v - std::round(v)) < 1e-9) return fmt::format("{}", static_cast<long long>(std::llround(v)));
    return fmt::format("{:g}", v);
}

} // namespace

std::string render_svg(const std::string& title, const std::string& x_label, const std::vector<svg_panel>& panels) {
    const double plot_w = width - left - right;
    const double height = top_margin + static_cast<double>(panels.size()) * (panel_height + gap);
    double x_hi = 0;
    for (const auto& p : panels)
        for (const auto& s : p.series)
            for (double x : s.x) x_hi = std::max(x_hi, x);
    const double x_step = tick_step(x_hi);
    const double x_max = std::max(x_step, std::ceil(x_hi / x_step) * x_step);

    std::string out = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "font-family=\"sans-serif\" font-size=\"12\">\n"
        "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        "<text x=\"{2}\" y=\"22\" font-size=\"14\" font-weight=\"bold\">{3}</text>\n",
        number(width), number(height), number(left), escape(title));

    for (std::size_t pi = 0; pi < panels.size(); ++pi) {
        const svg_panel& p = panels[pi];
        const double y0 = top_margin + static_cast<double>(pi) * (panel_height + gap);  // panel top
        double y_hi = 0;
        for (const auto& s : p.series)
            for (double y : s.y) y_hi = std::max(y_hi, y);
        const double y_step = tick_step(y_hi);
        const double y_max = std::max(y_step, std::ceil(y_hi / y_step) * y_step);
        const auto px = [&](double x) { return left + x / x_max * plot_w; };
        const auto py = [&](double y) { return y0 + panel_height - y / y_max * panel_height; };

        out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"14\">{}</text>\n", number(left), number(y0 - 8),
                           escape(p.title));
        // grid and y ticks
        for (double y = 0; y <= y_max + y_step / 2; y += y_step) {
            out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#e0e0e0\"/>\n",
                               number(left), py(y), number(left + plot_w));
            out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", number(left - 6),
                               py(y) + 4, number(y));
        }
        // x ticks
        for (double x = 0; x <= x_max + x_step / 2; x += x_step) {
            out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#000\"/>\n", px(x),
                               number(y0 + panel_height), number(y0 + panel_height + 5));
            out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(x),
                               number(y0 + panel_height + 18), number(x));
        }
        // axes
        out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#000\"/>\n", number(left),
                           number(y0), number(y0 + panel_height));
        out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#000\"/>\n", number(left),
                           number(y0 + panel_height), number(left + plot_w));
        out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", left + plot_w / 2,
                           number(y0 + panel_height + 34), escape(x_label));
        out += fmt::format(
            "<text x=\"16\" y=\"{0:.1f}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {0:.1f})\">{1}</text>\n",
            y0 + panel_height / 2, escape(p.y_label));
        // lines
        for (std::size_t si = 0; si < p.series.size(); ++si) {
            const svg_series& s = p.series[si];
            std::string points;
            for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
                points += fmt::format("{}{:.1f},{:.1f}", i == 0 ? "" : " ", px(s.x[i]), py(s.y[i]));
            out += fmt::format(
                "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" stroke-dasharray=\"{}\" points=\"{}\"/>\n",
                colours[si % colours.size()], si % 2 == 0 ? "none" : "6 3", points);
        }
    }
    // legend: one row under the title
    if (!panels.empty()) {
        const auto& series = panels.front().series;
        for (std::size_t si = 0; si < series.size(); ++si) {
            const double lx = left + static_cast<double>(si) * 170, ly = 44;
            out += fmt::format(
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"3\" "
                "stroke-dasharray=\"{4}\"/>\n<text x=\"{5}\" y=\"{6}\">{7}</text>\n",
                number(lx), number(ly), number(lx + 28), colours[si % colours.size()], si % 2 == 0 ? "none" : "6 3",
                number(lx + 34), number(ly + 4), escape(series[si].label));
        }
    }
    out += "</svg>\n";
    return out;
}

} // namespace enipool_plan
