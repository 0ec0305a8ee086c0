// A time-series chart of the console's MetricsHistory: a real time axis (the last `windowSeconds`),
// a value axis with the series' unit, and a legend. `lines` is a list of {key, name}; the points
// go to Qt Charts in one call per series (MetricsHistory.plot), once a second.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtCharts
import "format.js" as Format

ChartView {
    id: chart
    required property var history
    property var lines: [] // [{key, name}]
    property int windowSeconds: 300
    property string unit: "" // the value axis' title
    property string kind: "count" // count | bytes | ms: how the latest values read in the legend

    antialiasing: true
    legend.alignment: Qt.AlignBottom
    legend.labelColor: Material.foreground
    legend.font.pixelSize: 11
    titleColor: Material.foreground
    titleFont.pixelSize: 13
    titleFont.bold: true
    backgroundColor: "transparent"
    plotAreaColor: "transparent"
    margins { left: 4; right: 8; top: 4; bottom: 4 }
    implicitHeight: 230

    DateTimeAxis {
        id: timeAxis
        format: chart.windowSeconds > 600 ? "hh:mm" : "hh:mm:ss"
        tickCount: 6
        labelsColor: Material.hintTextColor
        labelsFont.pixelSize: 10
        gridLineColor: Material.dividerColor
        lineVisible: false
    }
    ValueAxis {
        id: valueAxis
        min: 0
        max: 10
        tickCount: 5
        labelFormat: "%.0f"
        titleText: chart.unit
        titleFont.pixelSize: 10
        titleBrush: Material.hintTextColor
        labelsColor: Material.hintTextColor
        labelsFont.pixelSize: 10
        gridLineColor: Material.dividerColor
        lineVisible: false
    }

    function legendValue(key) {
        const v = chart.history.latest(key)
        if (isNaN(v)) return "–"
        return chart.kind === "bytes" ? Format.bytes(v) : chart.kind === "ms" ? Format.milliseconds(v) : Format.count(v)
    }
    // (Re)creates the line series when the list of keys changes.
    function rebuild() {
        chart.removeAllSeries()
        for (const entry of chart.lines) {
            const line = chart.createSeries(ChartView.SeriesTypeLine, entry.name, timeAxis, valueAxis)
            line.width = 2
            line.objectName = "series:" + entry.key
        }
        refresh()
    }
    function refresh() {
        const now = chart.history.lastTime || Date.now()
        timeAxis.min = new Date(now - chart.windowSeconds * 1000)
        timeAxis.max = new Date(now)
        const keys = chart.lines.map(entry => entry.key)
        for (let i = 0; i < chart.count; ++i) {
            const line = chart.series(i)
            const entry = chart.lines[i]
            chart.history.plot(line, entry.key, chart.windowSeconds)
            line.name = entry.name + "  " + legendValue(entry.key)
        }
        // A round maximum a little above the peak, so a line never runs along the top edge.
        const peak = chart.history.peak(keys, chart.windowSeconds)
        const magnitude = Math.pow(10, Math.floor(Math.log10(Math.max(peak, 1))))
        valueAxis.min = 0
        valueAxis.max = Math.max(chart.kind === "ms" ? 1 : 10, Math.ceil(peak * 1.15 / magnitude) * magnitude)
        valueAxis.applyNiceNumbers() // ticks on round values
        valueAxis.labelFormat = valueAxis.max < 5 ? "%.1f" : "%.0f"
    }
    onLinesChanged: rebuild()
    onWindowSecondsChanged: refresh()
    onVisibleChanged: if (visible) refresh()
    Component.onCompleted: rebuild()
    // A hidden chart (another page shown) skips the per-second replot: it catches up when shown.
    Connections {
        target: chart.history
        function onChanged() { if (chart.visible) chart.refresh() }
    }
}
