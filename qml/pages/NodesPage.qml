// The cluster's nodes (admin:snapshot "nodes", live through admin:nodes every 2 s). On a single
// node the list holds this node alone.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import "../components"
import "../components/format.js" as Format

ColumnLayout {
    id: page
    required property var admin
    readonly property int shown: list.count
    readonly property bool degraded: admin.clusterMode && !admin.redisUp
    spacing: 12

    Rectangle {
        objectName: "degradedBanner"
        Layout.fillWidth: true
        Layout.preferredHeight: 36
        visible: page.degraded
        color: Material.color(Material.Red)
        radius: 4
        // Text on the red surface looks the same in both themes: the dark theme's foreground
        // (white), as on Material's coloured bars, not a colour of our own.
        Material.theme: Material.Dark
        Label {
            objectName: "degradedText"
            anchors.fill: parent
            anchors.leftMargin: 12
            verticalAlignment: Text.AlignVCenter
            font.bold: true
            elide: Text.ElideRight
            text: "Redis unreachable: serving local sockets only" + (page.admin.redisError ? " (" + page.admin.redisError + ")" : "")
        }
    }
    Label {
        text: page.admin.clusterMode
              ? "Cluster: " + list.count + " node" + (list.count === 1 ? "" : "s") + ", this console on node " + page.admin.nodeId
                + ", Redis " + (page.admin.redisUp ? "up" : "down")
              : "Single node (no Redis): this server alone"
        font.bold: true
    }
    TableHeader { columns: [["", 24], ["Node", 140], ["Address", 240], ["Uptime", 120], ["Connections", 110], ["Rooms", 80], ["Messages / s", 120], ["Last heartbeat", 130], ["State", 80]] }
    ListView {
        id: list
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        model: page.admin.nodes
        delegate: ListRow {
            width: list.width
            height: 30
            contentItem: Row {
                Item {
                    width: 24; height: 20
                    StatusDot { anchors.centerIn: parent; status: model.state === "ok" ? "ok" : "warning" }
                }
                Label { text: (model.nodeId || "–") + (model.self ? "  (this node)" : ""); width: 140; elide: Text.ElideRight; font.bold: model.self }
                Label { text: model.address; width: 240; elide: Text.ElideRight }
                Label { text: model.uptime; width: 120 }
                Label { text: Format.count(model.connections); width: 110 }
                Label { text: Format.count(model.rooms); width: 80 }
                Label { text: Format.perSecond(model.messagesPerSecond); width: 120 }
                Label { text: model.self ? "–" : (model.lastHeartbeat / 1000).toFixed(1) + " s ago"; width: 130 }
                Label { text: model.state; width: 80; color: model.state === "ok" ? Material.foreground : Material.color(Material.Red) }
            }
        }
    }
    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        opacity: 0.7
        text: "Connections and rooms count every socket of a node, consoles included. A node not heard from for 5 s is silent; "
              + "after 8 s the others drop it. Sockets of every node are on the Sockets page."
    }
}
