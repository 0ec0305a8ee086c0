// A row of a long list (sockets, rooms, traffic, nodes): an ItemDelegate with a flat background
// that shows hover, press and selection by colour.
//
// Why not the style's own background: Material's ItemDelegate draws a ripple whose resting circle
// spans the row's diagonal, and Qt Quick's software renderer (VMs, Xvfb, remote desktops) caches
// every such circle as a pixmap of diagonal² pixels — 4.6 MB for one 1,000-pixel row, ~200 MiB
// for a page of them (measured with bench_console_scale; docs/benchmarks.md).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

ItemDelegate {
    id: row
    background: Rectangle {
        color: row.down ? row.Material.rippleColor
             : row.highlighted ? row.Material.listHighlightColor
             : row.hovered ? Qt.rgba(row.Material.rippleColor.r, row.Material.rippleColor.g,
                                     row.Material.rippleColor.b, row.Material.rippleColor.a / 2)
             : "transparent"
    }
}
