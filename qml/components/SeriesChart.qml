// A line chart of two series (messages in/out per second) on a Canvas: no extra QML module needed.
import QtQuick

Canvas {
    id: chart
    property var first: []
    property var second: []
    property int capacity: 300
    onFirstChanged: requestPaint()
    onSecondChanged: requestPaint()
    onPaint: {
        const ctx = getContext("2d")
        ctx.reset()
        ctx.fillStyle = "#fafafa"
        ctx.fillRect(0, 0, width, height)
        const peak = Math.max(10, Math.max.apply(null, first.concat(second, [0])))
        ctx.strokeStyle = "#ddd"
        ctx.fillStyle = "#777"
        ctx.font = "12px sans-serif"
        for (let i = 0; i <= 4; ++i) {
            const y = height - 20 - (height - 30) * i / 4
            ctx.beginPath(); ctx.moveTo(40, y); ctx.lineTo(width, y); ctx.stroke()
            ctx.fillText(Math.round(peak * i / 4), 2, y + 4)
        }
        function line(series, colour) {
            ctx.strokeStyle = colour
            ctx.lineWidth = 2
            ctx.beginPath()
            for (let i = 0; i < series.length; ++i) {
                const x = 40 + (width - 40) * (capacity - series.length + i) / capacity
                const y = height - 20 - (height - 30) * series[i] / peak
                i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)
            }
            ctx.stroke()
        }
        line(first, "#2b6cb0")
        line(second, "#d97706")
        ctx.fillStyle = "#2b6cb0"; ctx.fillText("in/s", width - 90, 14)
        ctx.fillStyle = "#d97706"; ctx.fillText("out/s", width - 50, 14)
    }
}
