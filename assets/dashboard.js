/* Client-side helpers for the dashboard shell: they only move what the server decided into the page. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    dashboard: {
        /* Keep the navigation links carrying the shared filters, mark the current page, show URL notices. */
        shell: function (data, navIds) {
            var nc = window.dash_clientside.no_update;
            if (!data) { return [nc, nc, nc, nc]; }
            var path = window.location.pathname;
            var hrefs = navIds.map(function (id) { return id.page + (data.common || ''); });
            var classes = navIds.map(function (id) {
                return 'nav-link' + (id.page === path ? ' active' : '');
            });
            // aria-current is not a Dash prop: set it on the DOM once the links have rendered.
            window.requestAnimationFrame(function () {
                document.querySelectorAll('.site-nav .nav-link').forEach(function (a) {
                    if (a.getAttribute('href') && a.getAttribute('href').split('?')[0] === path) {
                        a.setAttribute('aria-current', 'page');
                    } else {
                        a.removeAttribute('aria-current');
                    }
                });
                if (data.metric) {
                    var card = document.getElementById('metric-' + data.metric);
                    if (card && !card.dataset.focused) {
                        card.dataset.focused = '1';
                        card.scrollIntoView({block: 'start'});
                        card.focus({preventScroll: true});
                    }
                }
            });
            if (data.title) { document.title = data.title + ' – SEND outcomes dashboard'; }
            var notices = (data.notices || []).join(' ');
            return [hrefs, classes, notices, notices ? 'url-notice alert alert-warning my-2' : 'url-notice'];
        },
        /* After a filter change, the canonical query string for the address bar (dcc.Location pushes it). */
        pushUrl: function (data) {
            if (!data || !data.push || data.search === window.location.search) {
                return window.dash_clientside.no_update;
            }
            return data.search;
        },
        /* The full address of the current view, for dcc.Clipboard. */
        copyLink: function () {
            return window.location.href;
        },
        /* Save a card's chart as a PNG (the keyboard route to the mode bar's camera button). */
        savePng: function (n, id) {
            var nc = window.dash_clientside.no_update;
            var keys = Object.keys(id).sort();
            var domId = '{' + keys.map(function (k) {
                return JSON.stringify(k) + ':' + JSON.stringify(id[k]);
            }).join(',') + '}';
            var button = document.getElementById(domId);
            var box = button && document.getElementById(button.dataset.target);
            var graph = box && box.querySelector('.js-plotly-plot');
            if (graph && window.Plotly) {
                window.Plotly.downloadImage(graph, {format: 'png', filename: button.dataset.filename,
                                                    scale: 2, width: 1000, height: 500});
            }
            return nc;
        },
        /* Print the quarterly report's framed document itself, so its own print rules (A4, page breaks) apply. */
        printReport: function (n) {
            var frame = document.getElementById('report-frame');
            if (n && frame && frame.contentWindow) {
                frame.contentWindow.focus();
                frame.contentWindow.print();
            }
            return window.dash_clientside.no_update;
        }
    }
});

/* Back/forward within one page: hand the new address to the page's URL sync (components/page.py sync_url).
   A change of path is redrawn by the router instead. */
window.addEventListener('popstate', function () {
    if (window.dash_clientside && window.dash_clientside.set_props) {
        window.dash_clientside.set_props('url-popped', {
            data: {path: window.location.pathname, search: window.location.search, at: Date.now()}
        });
    }
});
