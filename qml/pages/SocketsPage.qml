import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Cortado.Console
import "../components"

RowLayout {
    id: page
    required property var admin
    property string selected: ""
    // The selected socket: its details from the server (admin:socket_info, asked every second while
    // shown: rates, bytes queued, user agent), else its row on the page until they arrive.
    property var info: admin.socketDetail
    property var detail: (info && info.id === selected && selected) ? info
                                                                   : (selected ? (sockets.count, admin.sockets.socket(selected)) : ({}))
    Timer {
        interval: 1000
        repeat: true
        triggeredOnStart: true
        running: page.visible && page.selected !== "" && page.admin.state === 2
        onTriggered: page.admin.socketInfo(page.selected)
    }
    function duration(ms) {
        if (ms === undefined) return "–"
        const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60)
        return (h > 0 ? h + " h " : "") + (h > 0 || m > 0 ? m + " min " : "") + (s % 60) + " s"
    }
    function rate(count, perSecond) {
        return (count === undefined ? "–" : count) + (perSecond === undefined ? "" : "  (" + perSecond + "/s)")
    }
    readonly property var fields: [
        ["user", "User", detail.user ? detail.user.name + " (" + detail.user.id + ")" : "guest"],
        ["roles", "Roles", detail.user && detail.user.roles.length ? detail.user.roles.join(", ") : "–"],
        ["route", "Route", detail.route || "–"],
        ["node", "Node", detail.node || "–"],
        ["address", "Address", detail.address || "–"],
        ["userAgent", "User agent", detail.userAgent || "–"],
        ["connectedFor", "Connected for", duration(detail.connectedForMs)],
        ["rooms", "Rooms", detail.rooms && detail.rooms.length ? detail.rooms.join(", ") : "–"],
        ["in", "Messages in", rate(detail.messagesIn, detail.inPerSecond)],
        ["out", "Messages out", rate(detail.messagesOut, detail.outPerSecond)],
        ["bytesQueued", "Bytes queued", detail.bytesQueued === undefined ? "–" : detail.bytesQueued]
    ]
    property alias filterText: filter.text
    readonly property int shown: list.count
    spacing: 12

    function selectFirst() { if (list.count > 0) selected = sockets.socketIdAt(0) }

    // The server filters, sorts and pages (admin:query): the model holds the page shown, and the
    // server sends it again when it changes. The local filter and sort below only keep the page in
    // step while the next one is on its way. The pager (../components/Pager.qml) decides the offset
    // and limit: scrolling to the end asks for more rows, up to the server's 500.
    readonly property alias shownLimit: pager.shownLimit
    function query(offset) { pager.query(offset) }
    Timer { id: typing; interval: 300; onTriggered: page.query(0) }

    // In a cluster other nodes' sockets change without telling this node: the page is asked for
    // again when the page opens, on Refresh, and every 5 s while it is visible.
    readonly property bool clusterList: admin.clusterMode && admin.state === 2
    onVisibleChanged: if (visible && clusterList) admin.refreshSockets()
    Timer {
        interval: 5000
        repeat: true
        running: page.visible && page.clusterList
        onTriggered: page.admin.refreshSockets()
    }

    SocketsFilter { id: sockets; sourceModel: page.admin.sockets; filter: filter.text }

    ColumnLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true
        // The table takes what the details panel leaves: its header rows must not push the panel
        // off the window.
        Layout.preferredWidth: 200
        Layout.minimumWidth: 200
        clip: true
        RowLayout {
            TextField {
                id: filter
                objectName: "socketsFilter"
                placeholderText: "Filter: id, user, route, address, node, room"
                Layout.preferredWidth: 320
                onTextChanged: typing.restart()
            }
            Label { text: "Sort by" }
            ComboBox {
                id: sortKey
                objectName: "socketsSortKey"
                model: ["connectedAt", "socketId", "user", "route", "address", "node", "messagesIn", "messagesOut"]
                onCurrentTextChanged: { sockets.sortKey = currentText; page.query(0) }
            }
            CheckBox {
                id: descending
                objectName: "socketsDescending"
                text: "descending"
                onCheckedChanged: { sockets.descending = checked; page.query(0) }
            }
            Button { text: "Refresh"; visible: page.clusterList; onClicked: page.admin.refreshSockets() }
            Label {
                objectName: "socketsPartial"
                visible: page.admin.clusterMode && (page.admin.missingNodes.length > 0 || page.admin.truncatedNodes.length > 0)
                // A warning: the style's red, bold so that it reads on light and dark backgrounds.
                color: Material.color(Material.Red)
                font.bold: true
                text: (page.admin.missingNodes.length ? "partial: no answer from " + page.admin.missingNodes.join(", ") + "  " : "")
                      + (page.admin.truncatedNodes.length ? "first 10,000 only on " + page.admin.truncatedNodes.join(", ") : "")
            }
        }
        // The pager: the server's counts, and the pages before and after.
        Pager {
            id: pager
            objectName: "sockets"
            noun: "sockets"
            offset: page.admin.socketsOffset
            count: page.admin.sockets.count
            matched: page.admin.socketsMatched
            total: page.admin.socketsTotal
            onWanted: (offset, limit) => page.admin.querySockets({
                filter: { text: filter.text },
                sort: { key: sortKey.currentText === "socketId" ? "id" : sortKey.currentText, desc: descending.checked },
                offset: offset, limit: limit })
        }
        ListView {
            id: list
            objectName: "socketsList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: sockets
            onAtYEndChanged: if (atYEnd && count > 0) pager.showMore()
            // Wider than the room the details panel leaves at 1280 px: the table scrolls sideways,
            // its header with it (and stays on top when it scrolls down).
            readonly property int tableWidth: 16 + 930 + 16
            contentWidth: Math.max(width, tableWidth)
            flickableDirection: Flickable.AutoFlickIfNeeded
            ScrollBar.horizontal: ScrollBar { objectName: "socketsHorizontalBar" }
            headerPositioning: ListView.OverlayHeader
            header: Pane {
                z: 2
                padding: 0
                width: list.contentWidth
                TableHeader { columns: [["Socket", 150], ["Node", 70], ["User", 90], ["Roles", 120], ["Address", 100], ["Route", 70], ["Connected", 80], ["Rooms", 150], ["In", 50], ["Out", 50]] }
            }
            delegate: ListRow {
                width: list.contentWidth
                height: 28
                highlighted: model.socketId === page.selected
                onClicked: page.selected = model.socketId
                contentItem: Row {
                    Label { text: model.socketId; width: 150; elide: Text.ElideRight }
                    Label { text: model.node || "–"; width: 70; elide: Text.ElideRight }
                    Label { text: model.user; width: 90; elide: Text.ElideRight }
                    Label { text: model.roles; width: 120; elide: Text.ElideRight }
                    Label { text: model.address; width: 100; elide: Text.ElideRight }
                    Label { text: model.route; width: 70 }
                    Label { text: Qt.formatTime(model.connectedAt, "HH:mm:ss"); width: 80 }
                    Label { text: model.rooms; width: 150; elide: Text.ElideRight }
                    Label { text: model.messagesIn; width: 50 }
                    Label { text: model.messagesOut; width: 50 }
                }
            }
        }
    }

    Frame {
        Layout.preferredWidth: 380
        Layout.minimumWidth: 380
        Layout.fillHeight: true
        visible: page.selected !== ""
        ColumnLayout {
            anchors.fill: parent
            Label { objectName: "socketTitle"; text: "Socket " + page.selected; font.bold: true }
            GridLayout {
                objectName: "socketFields"
                columns: 2
                columnSpacing: 12
                Layout.fillWidth: true
                Repeater {
                    model: page.fields.length * 2
                    Label {
                        readonly property var field: page.fields[Math.floor(index / 2)]
                        objectName: index % 2 ? "socketField_" + field[0] : ""
                        text: index % 2 ? field[2] : field[1]
                        opacity: index % 2 ? 1 : 0.7
                        elide: Text.ElideRight
                        Layout.fillWidth: index % 2 === 1
                        Layout.maximumWidth: index % 2 ? 260 : Number.POSITIVE_INFINITY
                    }
                }
            }
            Item { Layout.fillHeight: true }
            Label { text: "Recent traffic (" + recent.count + ")"; font.bold: true }
            TrafficFilter { id: recentTraffic; sourceModel: page.admin.traffic; socket: page.selected || "-" }
            ListView {
                id: recent
                Layout.fillWidth: true
                Layout.preferredHeight: 120
                clip: true
                model: recentTraffic
                delegate: Label { width: recent.width; elide: Text.ElideRight; text: model.time + " " + model.direction + " " + model.event + " " + model.payload }
            }
            enabled: page.admin.role === "admin"
            RowLayout {
                TextField { id: reason; placeholderText: "reason"; text: "disconnected by an operator"; Layout.fillWidth: true }
                Button { text: "Disconnect"; onClicked: page.admin.kick(page.selected, reason.text) }
            }
            RowLayout {
                TextField { id: room; placeholderText: "room"; Layout.fillWidth: true }
                Button { text: "Join"; onClicked: page.admin.joinRoom(page.selected, room.text) }
                Button { text: "Leave"; onClicked: page.admin.leaveRoom(page.selected, room.text) }
            }
            RowLayout {
                TextField { id: event; placeholderText: "event"; text: "ops:notice"; Layout.preferredWidth: 110 }
                TextField { id: payload; placeholderText: "payload JSON"; text: "{\"text\": \"hello\"}"; Layout.fillWidth: true }
                Button { text: "Emit"; onClicked: page.admin.emitEvent("socket", "", "", page.selected, event.text, payload.text) }
            }
            Label { text: page.admin.role === "admin" ? "" : "Observers may watch but not act."; opacity: 0.7 }
        }
    }
}
