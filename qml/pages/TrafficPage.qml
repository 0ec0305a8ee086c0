import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Cortado.Console
import "../components"

ColumnLayout {
    id: page
    required property var admin
    property int selectedRow: -1
    readonly property int shown: list.count
    property alias filter: traffic
    spacing: 8

    function focusFilter() { event.forceActiveFocus() }
    function selectFirst() { if (list.count > 0) selectedRow = list.count - 1 }
    // The same filter goes to the server (so it sends less) and to the view.
    function applyFilter() {
        const tap = { payloads: true }
        if (route.text) tap.routes = [route.text]
        if (event.text) tap.events = [event.text]
        if (room.text) tap.rooms = [room.text]
        if (socket.text) tap.sockets = [socket.text]
        if (direction.currentIndex > 0) tap.direction = direction.currentText
        page.admin.setTap(tap)
    }

    TrafficFilter {
        id: traffic
        sourceModel: page.admin.traffic
        route: route.text; event: event.text; room: room.text; socket: socket.text
        direction: direction.currentIndex > 0 ? direction.currentText : ""
    }

    RowLayout {
        TextField { id: route; placeholderText: "route"; Layout.preferredWidth: 90; onEditingFinished: page.applyFilter() }
        TextField { id: event; objectName: "trafficEventFilter"; placeholderText: "event (Ctrl+F)"; Layout.preferredWidth: 130; onEditingFinished: page.applyFilter() }
        TextField { id: room; placeholderText: "room"; Layout.preferredWidth: 110; onEditingFinished: page.applyFilter() }
        TextField { id: socket; placeholderText: "socket"; Layout.preferredWidth: 150; onEditingFinished: page.applyFilter() }
        ComboBox { id: direction; model: ["both", "in", "out"]; onActivated: page.applyFilter() }
        Button {
            text: page.admin.traffic.paused ? "Resume (" + page.admin.traffic.missed + " missed)" : "Pause (Ctrl+P)"
            onClicked: page.admin.traffic.paused = !page.admin.traffic.paused
        }
        Button { text: "Clear"; onClicked: page.admin.traffic.clear() }
        TextField { id: exportPath; text: "/tmp/cortado-traffic.jsonl"; Layout.preferredWidth: 200 }
        Button { text: "Export"; onClicked: exportResult.text = traffic.exportJsonLines(exportPath.text) + " lines written" }
        Label { id: exportResult; opacity: 0.7 }
    }
    Label { text: list.count + " shown of " + page.admin.traffic.count + " kept (newest last)"; opacity: 0.7 }
    RowLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true
        ListView {
            id: list
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: traffic
            EmptyState {
                anchors.centerIn: parent
                visible: list.count === 0
                title: page.admin.traffic.count === 0 ? "No traffic yet" : "Nothing matches the filter"
                hint: page.admin.traffic.count === 0
                      ? "Events appear here as clients send them and the server delivers them. Open a test client in the Playground (Ctrl+7) to make some."
                      : "Clear a filter field, or widen the direction."
            }
            onCountChanged: if (!page.admin.traffic.paused) positionViewAtEnd()
            delegate: ItemDelegate {
                width: list.width
                height: 24
                highlighted: index === page.selectedRow
                onClicked: page.selectedRow = index
                contentItem: Row {
                    spacing: 8
                    Label { text: model.time; width: 95 }
                    Label { text: model.direction === "in" ? "→ in" : "← out"; width: 45; color: model.direction === "in" ? Material.color(Material.Blue) : Material.color(Material.DeepOrange) }
                    Label { text: model.route; width: 60 }
                    Label { text: model.event; width: 130; elide: Text.ElideRight }
                    Label { text: model.room; width: 90; elide: Text.ElideRight }
                    Label { text: model.socket; width: 140; elide: Text.ElideRight }
                    Label { text: model.size + " B"; width: 60 }
                    Label { text: model.payload; width: 260; elide: Text.ElideRight; opacity: 0.8 }
                }
            }
        }
        Frame {
            Layout.preferredWidth: 340
            Layout.fillHeight: true
            ScrollView {
                anchors.fill: parent
                TextArea {
                    readOnly: true
                    font.family: "monospace"
                    text: page.selectedRow >= 0 && page.selectedRow < list.count
                          ? traffic.prettyPayload(page.selectedRow) : "Select a message to see its payload."
                }
            }
        }
    }
}
