import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "../components"

ColumnLayout {
    id: page
    required property var admin
    spacing: 12

    RowLayout {
        spacing: 12
        Stat { label: "Connections"; value: page.admin.counters.connections ?? page.admin.sockets.count }
        Stat { label: "Rooms"; value: page.admin.counters.rooms ?? page.admin.rooms.count }
        Stat { label: "Messages in / s"; value: page.admin.counters.inPerSecond }
        Stat { label: "Messages out / s"; value: page.admin.counters.outPerSecond }
        Stat { label: "Total in / out"; value: (page.admin.counters.messagesIn ?? 0) + " / " + (page.admin.counters.messagesOut ?? 0) }
    }
    Label { text: "Traffic, last five minutes"; font.bold: true }
    SeriesChart {
        Layout.fillWidth: true
        Layout.preferredHeight: 280
        first: page.admin.inSeries
        second: page.admin.outSeries
        capacity: 300
    }
    Label { text: "Server"; font.bold: true }
    Label {
        text: "URL " + (page.admin.server.url ?? "–") + "    version " + (page.admin.server.version ?? "–")
              + "    storage " + (page.admin.server.storage ? page.admin.server.storage.driver + (page.admin.server.storage.connected ? " (connected)" : " (retrying)") : "none")
    }
    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        text: {
            const routes = page.admin.server.routes
            if (!routes) return ""
            return "WebSocket routes: " + routes.websocket.map(r => r.path + " [" + r.events.join(", ") + "]").join("   ")
                 + "\nREST routes: " + routes.rest.map(r => r.methods.join("/") + " " + r.path).join("   ")
        }
    }
    Item { Layout.fillHeight: true }
}
