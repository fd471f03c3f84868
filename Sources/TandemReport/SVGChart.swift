/// A small inline-SVG plotting area: linear scales, axes with round ticks, lines and shaded bands.
///
/// Coordinates are printed with one decimal through `NumberText`, so the same data always gives the same bytes.
/// No `xmlns` is written: the SVG is meant to sit inside an HTML page, which needs none (and so the page holds no
/// URL at all).
struct SVGChart {
    let width: Double
    let height: Double
    let marginLeft = 56.0
    let marginRight = 32.0
    let marginTop = 12.0
    let marginBottom = 40.0
    let xDomain: ClosedRange<Double>
    let yDomain: ClosedRange<Double>
    private(set) var body: [String] = []

    init(width: Double = 720, height: Double = 240, xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>) {
        self.width = width
        self.height = height
        self.xDomain = xDomain.upperBound > xDomain.lowerBound ? xDomain : xDomain.lowerBound...(xDomain.lowerBound + 1)
        self.yDomain = yDomain.upperBound > yDomain.lowerBound ? yDomain : yDomain.lowerBound...(yDomain.lowerBound + 1)
    }

    var plotLeft: Double { marginLeft }
    var plotRight: Double { width - marginRight }
    var plotTop: Double { marginTop }
    var plotBottom: Double { height - marginBottom }

    func x(_ value: Double) -> Double {
        let fraction = (value - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound)
        return plotLeft + min(max(fraction, 0), 1) * (plotRight - plotLeft)
    }

    func y(_ value: Double) -> Double {
        let fraction = (value - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound)
        return plotBottom - min(max(fraction, 0), 1) * (plotBottom - plotTop)
    }

    static func coordinate(_ value: Double) -> String { NumberText.trimmed(value, decimals: 1) }

    /// Shades the x range `from`…`to` over the full height, with a tooltip.
    mutating func band(from start: Double, to end: Double, cssClass: String, title: String) {
        let left = x(start)
        let bandWidth = max(x(end) - left, 1)
        body.append(
            "<rect class=\"\(cssClass)\" x=\"\(Self.coordinate(left))\" y=\"\(Self.coordinate(plotTop))\" "
                + "width=\"\(Self.coordinate(bandWidth))\" height=\"\(Self.coordinate(plotBottom - plotTop))\">"
                + "<title>\(ReportText.html(title))</title></rect>"
        )
    }

    /// Draws a vertical marker at `value` with a short label at the top.
    /// `labelRow` moves the label down by rows, so that two markers close together stay readable.
    mutating func marker(at value: Double, cssClass: String, label: String, labelRow: Int = 0) {
        let position = Self.coordinate(x(value))
        body.append(
            "<line class=\"\(cssClass)\" x1=\"\(position)\" y1=\"\(Self.coordinate(plotTop))\" x2=\"\(position)\" "
                + "y2=\"\(Self.coordinate(plotBottom))\"/>"
                + "<text class=\"marker-label\" x=\"\(Self.coordinate(x(value) + 3))\" "
                + "y=\"\(Self.coordinate(plotTop + 10 + 11 * Double(labelRow)))\">"
                + "\(ReportText.html(label))</text>"
        )
    }

    /// Draws `points` as one polyline per run of consecutive points; a gap wider than `maxGap` breaks the line.
    mutating func line(_ points: [(x: Double, y: Double)], cssClass: String, maxGap: Double = .infinity) {
        var segment: [String] = []
        var previousX: Double?
        func flush() {
            if segment.count == 1 {
                let parts = segment[0].split(separator: ",")
                body.append("<circle class=\"\(cssClass) dot\" cx=\"\(parts[0])\" cy=\"\(parts[1])\" r=\"2\"/>")
            } else if !segment.isEmpty {
                body.append("<polyline class=\"\(cssClass)\" points=\"\(segment.joined(separator: " "))\"/>")
            }
            segment = []
        }
        for point in points {
            if let previousX, point.x - previousX > maxGap { flush() }
            segment.append("\(Self.coordinate(x(point.x))),\(Self.coordinate(y(point.y)))")
            previousX = point.x
        }
        flush()
    }

    /// A horizontal line across the plot at `value`, with a label at its right end.
    mutating func horizontal(at value: Double, cssClass: String, label: String) {
        let position = Self.coordinate(y(value))
        body.append(
            "<line class=\"\(cssClass)\" x1=\"\(Self.coordinate(plotLeft))\" y1=\"\(position)\" "
                + "x2=\"\(Self.coordinate(plotRight))\" y2=\"\(position)\"/>"
                + "<text class=\"marker-label\" x=\"\(Self.coordinate(plotRight - 4))\" "
                + "y=\"\(Self.coordinate(y(value) - 3))\" text-anchor=\"end\">\(ReportText.html(label))</text>")
    }

    /// A circle at (`x`, `y`), with a tooltip when `title` is given.
    mutating func dot(
        x xValue: Double, y yValue: Double, cssClass: String, radius: Double = 2.5, title: String? = nil
    ) {
        body.append(
            "<circle class=\"\(cssClass)\" cx=\"\(Self.coordinate(x(xValue)))\" cy=\"\(Self.coordinate(y(yValue)))\" "
                + "r=\"\(Self.coordinate(radius))\">" + (title.map { "<title>\(ReportText.html($0))</title>" } ?? "")
                + "</circle>")
    }

    /// Draws both axes with tick labels and titles.
    mutating func axes(
        xTicks: [(value: Double, label: String)],
        yTicks: [(value: Double, label: String)],
        xTitle: String,
        yTitle: String
    ) {
        let (left, right, top, bottom) = (plotLeft, plotRight, plotTop, plotBottom)
        var parts: [String] = [
            "<line class=\"axis\" x1=\"\(Self.coordinate(left))\" y1=\"\(Self.coordinate(bottom))\" "
                + "x2=\"\(Self.coordinate(right))\" y2=\"\(Self.coordinate(bottom))\"/>",
            "<line class=\"axis\" x1=\"\(Self.coordinate(left))\" y1=\"\(Self.coordinate(top))\" "
                + "x2=\"\(Self.coordinate(left))\" y2=\"\(Self.coordinate(bottom))\"/>",
        ]
        for tick in xTicks {
            let position = Self.coordinate(x(tick.value))
            parts.append(
                "<text class=\"tick\" x=\"\(position)\" y=\"\(Self.coordinate(bottom + 14))\" text-anchor=\"middle\">"
                    + "\(ReportText.html(tick.label))</text>"
            )
        }
        for tick in yTicks {
            let position = Self.coordinate(y(tick.value))
            parts.append(
                "<line class=\"grid\" x1=\"\(Self.coordinate(left))\" y1=\"\(position)\" "
                    + "x2=\"\(Self.coordinate(right))\" y2=\"\(position)\"/>"
                    + "<text class=\"tick\" x=\"\(Self.coordinate(left - 4))\" y=\"\(position)\" "
                    + "text-anchor=\"end\" dominant-baseline=\"middle\">\(ReportText.html(tick.label))</text>"
            )
        }
        parts.append(
            "<text class=\"axis-title\" x=\"\(Self.coordinate((left + right) / 2))\" "
                + "y=\"\(Self.coordinate(height - 6))\" text-anchor=\"middle\">\(ReportText.html(xTitle))</text>"
        )
        parts.append(
            "<text class=\"axis-title\" x=\"12\" y=\"\(Self.coordinate((top + bottom) / 2))\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 12 \(Self.coordinate((top + bottom) / 2)))\">"
                + "\(ReportText.html(yTitle))</text>"
        )
        // Axes go first so that data is drawn over the grid.
        body.insert(contentsOf: parts, at: 0)
    }

    /// The finished `<svg>` element with an accessible label.
    func svg(label: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(Self.coordinate(width)) \(Self.coordinate(height))\" role=\"img\" "
            + "aria-label=\"\(ReportText.html(label))\">\n" + body.joined(separator: "\n") + "\n</svg>"
    }

    /// Round tick values from `lowerBound` to at least `upperBound`, about `count` of them (steps of 1, 2 or 5
    /// times a power of ten).
    static func niceTicks(upTo upperBound: Double, count: Int = 5) -> [Double] {
        guard upperBound > 0, upperBound.isFinite else { return [0, 1] }
        let rawStep = upperBound / Double(max(count, 1))
        var magnitude = 1.0
        while magnitude * 10 <= rawStep { magnitude *= 10 }
        while magnitude > rawStep { magnitude /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rawStep } ?? magnitude * 10
        var ticks: [Double] = [0]
        while ticks.last! < upperBound { ticks.append(Double(ticks.count) * step) }
        return ticks
    }
}
