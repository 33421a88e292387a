/* Client-side helpers for the dashboard: they only move what the server decided into the page.
   - shell: navigation links carry the shared filters, the current page is marked, URL notices are shown;
   - pushUrl: the address bar follows a filter change; a link that fell back is replaced by its canonical form;
   - charts are fetched from their data-src and drawn with plotly.js when they scroll into view;
   - a table behind its disclosure is fetched the first time it is opened;
   - "Save chart as PNG" saves the drawn chart. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    dashboard: {
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
        pushUrl: function (data) {
            var nc = window.dash_clientside.no_update;
            if (!data || data.search === window.location.search) { return nc; }
            if (data.push) { return data.search; }
            // Not a filter change: the page was drawn from a link whose settings fell back, or from back/forward.
            // Show the canonical address without adding a history entry.
            window.history.replaceState(window.history.state, '', window.location.pathname + data.search +
                                        window.location.hash);
            return nc;
        },
        copyLink: function () {
            return window.location.href;
        },
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

(function () {
    var MARGIN = '400px 0px';  // start fetching a little before a chart comes into view

    function draw(box) {
        var src = box.getAttribute('data-src');
        if (!src || box.getAttribute('data-drawn') === src || box.getAttribute('data-loading') === src) { return; }
        box.setAttribute('data-loading', src);
        fetch(src, {credentials: 'same-origin'}).then(function (r) {
            if (!r.ok) { throw new Error('HTTP ' + r.status); }
            return r.json();
        }).then(function (body) {
            if (box.getAttribute('data-src') !== src || !window.Plotly) { return; }
            var placeholder = box.querySelector('.chart-placeholder');
            if (placeholder) { placeholder.remove(); }
            return window.Plotly.react(box, body.figure.data, body.figure.layout, body.config).then(function () {
                box.setAttribute('data-drawn', src);
                box.removeAttribute('data-loading');
            });
        }).catch(function () {
            box.removeAttribute('data-loading');
            var placeholder = box.querySelector('.chart-placeholder');
            if (placeholder) { placeholder.textContent = 'The chart could not be drawn: its table and download ' +
                                                         'below have the same figures.'; }
        });
    }

    var seen = window.IntersectionObserver ? new IntersectionObserver(function (entries) {
        entries.forEach(function (e) { if (e.isIntersecting) { draw(e.target); } });
    }, {rootMargin: MARGIN}) : null;

    function watch(root) {
        (root.querySelectorAll ? root.querySelectorAll('.chart[data-src]') : []).forEach(function (box) {
            if (box.__watched) { return; }
            box.__watched = true;
            if (seen) { seen.observe(box); } else { draw(box); }
        });
    }

    function redrawChanged(box) {
        // React reuses a chart's element when only its data-src changes (a new locality or window): draw again.
        var r = box.getBoundingClientRect();
        if (r.bottom > -400 && r.top < window.innerHeight + 400) { draw(box); }
    }

    new MutationObserver(function (mutations) {
        mutations.forEach(function (m) {
            if (m.type === 'attributes' && m.target.classList && m.target.classList.contains('chart')) {
                redrawChanged(m.target);
            }
            m.addedNodes && m.addedNodes.forEach(function (n) { if (n.nodeType === 1) { watch(n); } });
        });
    }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                          attributeFilter: ['data-src']});

    // A table behind its disclosure: fetched the first time it is opened (the HTML is escaped by the server).
    document.addEventListener('toggle', function (e) {
        var details = e.target;
        if (!details.classList || !details.classList.contains('table-toggle') || !details.open) { return; }
        var slot = details.querySelector('.lazy-table');
        var src = slot && slot.getAttribute('data-src');
        if (!src || slot.getAttribute('data-loaded') === src) { return; }
        slot.textContent = 'Loading the table…';
        fetch(src, {credentials: 'same-origin'}).then(function (r) {
            if (!r.ok) { throw new Error('HTTP ' + r.status); }
            return r.text();
        }).then(function (html) {
            slot.innerHTML = html;
            slot.setAttribute('data-loaded', src);
        }).catch(function () { slot.textContent = 'The table could not be loaded: use the CSV download.'; });
    }, true);

    // "Save chart as PNG": the keyboard route to the mode bar's camera button.
    document.addEventListener('click', function (e) {
        var button = e.target.closest && e.target.closest('.png-button');
        if (!button) { return; }
        var box = document.getElementById(button.getAttribute('data-target'));
        if (box && window.Plotly && box.getAttribute('data-drawn')) {
            window.Plotly.downloadImage(box, {format: 'png', filename: button.getAttribute('data-filename'),
                                              scale: 2, width: 1000, height: 500});
        } else if (box) {
            draw(box);
        }
    });

    watch(document);
})();
