// The live traffic log: filters that also go to the server (it then sends less), following one
// socket, room or user, a search of what is kept, the payload as a collapsible tree, and the
// server's busiest events per second (the tap itself is capped, so its rows are not a rate).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Cortado.Console
import "../components"
import "../components/format.js" as Format

ColumnLayout {
    id: page
    required property var admin
    property int selectedRow: -1
    readonly property int shown: list.count
    property alias filter: traffic
    spacing: 8

    function focusFilter() { search.forceActiveFocus() }
    function selectFirst() { if (list.count > 0) selectedRow = list.count - 1 }
    // The same filter goes to the server (so it sends less) and to the view.
    function applyFilter() {
        const tap = { payloads: true }
        if (route.text) tap.routes = [route.text]
        if (event.text) tap.events = [event.text]
        if (room.text) tap.rooms = [room.text]
        if (socket.text) tap.sockets = [socket.text]
        if (user.text) tap.users = [user.text]
        if (direction.currentIndex > 0) tap.direction = direction.currentText
        page.admin.setTap(tap)
    }
    // Follow one socket, room or user from now on: the other fields are cleared, and so is what
    // was kept, so the log holds only what the server sent for it.
    function follow(kind, value) {
        for (const field of [route, event, room, socket, user]) field.text = ""
        if (kind === "socket") socket.text = value
        else if (kind === "room") room.text = value
        else if (kind === "user") user.text = value
        page.admin.traffic.clear()
        page.selectedRow = -1
        applyFilter()
    }

    TrafficFilter {
        id: traffic
        sourceModel: page.admin.traffic
        route: route.text; event: event.text; room: room.text; socket: socket.text; user: user.text
        search: search.text
        direction: direction.currentIndex > 0 ? direction.currentText : ""
    }

    RowLayout {
        spacing: 8
        TextField { id: route; placeholderText: "route"; Layout.preferredWidth: 80; onEditingFinished: page.applyFilter() }
        TextField { id: event; objectName: "trafficEventFilter"; placeholderText: "event"; Layout.preferredWidth: 120; onEditingFinished: page.applyFilter() }
        TextField { id: room; objectName: "trafficRoomFilter"; placeholderText: "room"; Layout.preferredWidth: 100; onEditingFinished: page.applyFilter() }
        TextField { id: socket; placeholderText: "socket"; Layout.preferredWidth: 140; onEditingFinished: page.applyFilter() }
        TextField { id: user; objectName: "trafficUserFilter"; placeholderText: "user"; Layout.preferredWidth: 90; onEditingFinished: page.applyFilter() }
        ComboBox { id: direction; model: ["both", "in", "out"]; Layout.preferredWidth: 100; onActivated: page.applyFilter() }
        TextField {
            id: search
            objectName: "trafficSearch"
            placeholderText: "Search kept traffic (Ctrl+F)"
            Layout.fillWidth: true
            Layout.minimumWidth: 160
        }
    }
    RowLayout {
        spacing: 8
        Button {
            text: page.admin.traffic.paused ? "Resume (" + Format.count(page.admin.traffic.missed) + " missed)" : "Pause (Ctrl+P)"
            onClicked: page.admin.traffic.paused = !page.admin.traffic.paused
        }
        Button { text: "Clear"; onClicked: { page.admin.traffic.clear(); page.selectedRow = -1 } }
        // Where "Export shown" writes (JSON Lines): typed, or chosen in a save dialog.
        FileField {
            id: exportPath
            objectName: "trafficExport"
            path: "/tmp/cortado-traffic.jsonl"
            title: "Export the traffic shown"
            nameFilters: ["JSON Lines (*.jsonl)", "All files (*)"]
            defaultSuffix: "jsonl"
            Layout.preferredWidth: 320
        }
        Button {
            objectName: "trafficExportButton"
            text: "Export shown"
            enabled: exportPath.path.length > 0
            onClicked: {
                const lines = traffic.exportJsonLines(exportPath.path)
                exportResult.text = lines < 0 ? "cannot write " + exportPath.path
                                              : Format.count(lines) + " lines written to " + exportPath.path
            }
        }
        Label { id: exportResult; objectName: "trafficExportResult"; opacity: 0.7; elide: Text.ElideMiddle; Layout.maximumWidth: 260 }
        Item { Layout.fillWidth: true }
        Label {
            text: Format.count(list.count) + " shown of " + Format.count(page.admin.traffic.count) + " kept (newest last)"
            opacity: 0.7
        }
    }
    RowLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true
        spacing: 12
        ListView {
            id: list
            objectName: "trafficList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: traffic
            ScrollBar.vertical: ScrollBar {}
            EmptyState {
                anchors.centerIn: parent
                visible: list.count === 0
                title: page.admin.traffic.count === 0 ? "No traffic yet" : "Nothing matches the filter"
                hint: page.admin.traffic.count === 0
                      ? "Events appear here as clients send them and the server delivers them. Open a test client in the Playground (Ctrl+7) to make some."
                      : "Clear a filter field or the search, or widen the direction."
            }
            onCountChanged: if (!page.admin.traffic.paused) positionViewAtEnd()
            delegate: ListRow {
                width: list.width
                height: 26
                highlighted: index === page.selectedRow
                onClicked: page.selectedRow = index
                contentItem: Row {
                    spacing: 8
                    Label { text: model.time; width: 90; font.pixelSize: 12 }
                    Label { text: model.direction === "in" ? "→ in" : "← out"; width: 42; color: model.direction === "in" ? Material.color(Material.Blue) : Material.color(Material.DeepOrange) }
                    Label { text: model.route; width: 55; elide: Text.ElideRight }
                    Label { text: model.event; width: 120; elide: Text.ElideRight; font.weight: Font.Medium }
                    Label { text: model.room; width: 80; elide: Text.ElideRight }
                    Label { text: model.user || model.socket; width: 120; elide: Text.ElideRight; opacity: 0.85 }
                    Label { text: Format.bytes(model.size); width: 60; horizontalAlignment: Text.AlignRight }
                    Label { text: model.payload; width: Math.max(0, list.width - 650); elide: Text.ElideRight; opacity: 0.75; font.family: "monospace" }
                }
            }
        }
        ColumnLayout {
            Layout.preferredWidth: 360
            Layout.maximumWidth: 360
            Layout.fillHeight: true
            spacing: 8
            Pane {
                Layout.fillWidth: true
                Layout.fillHeight: true
                Material.elevation: 1
                padding: 8
                ColumnLayout {
                    anchors.fill: parent
                    Label { text: "Payload"; font.weight: Font.Medium }
                    TreeView {
                        id: payloadTree
                        objectName: "payloadTree"
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        clip: true
                        visible: payloadModel.valid
                        model: JsonTreeModel {
                            id: payloadModel
                            json: page.selectedRow >= 0 && page.selectedRow < list.count ? traffic.payloadJson(page.selectedRow) : ""
                            onJsonChanged: Qt.callLater(() => payloadTree.expandRecursively(-1, 2))
                        }
                        columnWidthProvider: () => payloadTree.width
                        // One row per key: an arrow folds objects and arrays (click, or Space).
                        delegate: Item {
                            id: node
                            required property TreeView treeView
                            required property bool expanded
                            required property bool hasChildren
                            required property int depth
                            required property int row
                            required property string key
                            required property string value
                            required property string kind
                            implicitWidth: payloadTree.width
                            implicitHeight: 22
                            Label {
                                id: arrow
                                x: node.depth * 14
                                width: 14
                                anchors.verticalCenter: parent.verticalCenter
                                text: node.hasChildren ? (node.expanded ? "▾" : "▸") : ""
                                opacity: 0.7
                            }
                            Label {
                                anchors.left: arrow.right
                                anchors.right: parent.right
                                anchors.verticalCenter: parent.verticalCenter
                                elide: Text.ElideRight
                                font.family: "monospace"
                                font.pixelSize: 12
                                textFormat: Text.PlainText
                                text: node.key + ": " + node.value
                                opacity: node.kind === "object" || node.kind === "array" ? 0.7 : 1
                            }
                            TapHandler { onTapped: if (node.hasChildren) node.treeView.toggleExpanded(node.row) }
                        }
                    }
                    EmptyState {
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        visible: !payloadModel.valid
                        title: page.selectedRow < 0 ? "Select a message" : "No payload"
                        hint: page.selectedRow < 0 ? "Its payload shows here as a tree you can fold." : "This event carried none, or the tap was set without payloads."
                    }
                }
            }
            Pane {
                objectName: "eventRates"
                Layout.fillWidth: true
                Material.elevation: 1
                padding: 8
                ColumnLayout {
                    anchors.fill: parent
                    Label { text: "Busiest events, whole server, last second"; font.weight: Font.Medium }
                    // Plain rows, not a GridLayout: rebuilt every second (see OverviewPage's routes).
                    Column {
                        spacing: 2
                        readonly property var widths: [220, 55, 55]
                        Row {
                            Repeater {
                                model: ["Event", "In", "Out"]
                                Label { text: modelData; width: parent.parent.widths[index]; opacity: 0.6; font.pixelSize: 12 }
                            }
                        }
                        Repeater {
                            model: (page.admin.counters.events ?? []).slice(0, 8)
                            delegate: Row {
                                required property var modelData
                                readonly property var cells: [modelData.route + " " + modelData.event, Format.perSecond(modelData.inPerSecond), Format.perSecond(modelData.outPerSecond)]
                                Repeater {
                                    model: parent.cells
                                    Label { text: modelData; width: parent.parent.widths[index]; elide: Text.ElideRight; font.pixelSize: 12 }
                                }
                            }
                        }
                    }
                    Label {
                        visible: (page.admin.counters.events ?? []).length === 0
                        text: "No events in the last second."
                        opacity: 0.6
                    }
                }
            }
        }
    }
}
