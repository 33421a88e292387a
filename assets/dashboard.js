/* Client-side helpers for the dashboard: they only move what the server decided into the page.
   - shell: navigation links carry the shared filters, the current page is marked, URL notices are shown;
   - pushUrl: the address bar follows a filter change; a link that fell back is replaced by its canonical form;
   - charts are fetched from their data-src when they scroll into view: an SPC chart (/chart/...) comes drawn, as
     SVG, and is put in place; any other (/figure/...) is drawn with plotly.js, loaded the first time one is needed;
   - a table behind its disclosure is fetched the first time it is opened;
   - "Save chart as PNG" saves the drawn chart. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {dashboard: (function () {
    var routed = false;  // whether the router has been asked (or found it need not be) for the first page

    function same(a, b) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
            a.every(function (x, i) { return x === b[i]; });
    }

    return {
        // The path for the router to draw (components/shell.py): every change of path, but not the first page
        // when the layout came with it drawn (`drawn`).
        route: function (pathname, drawn) {
            var first = !routed;
            routed = true;
            if (typeof pathname !== 'string' || (first && pathname === drawn)) {
                return window.dash_clientside.no_update;
            }
            return pathname;
        },
        // What the layout already shows (a first page drawn in it) is left alone: Dash redrawing every link
        // costs the page's first screen tens of milliseconds.
        shell: function (data, navIds, navHrefs, navClasses, notice, noticeClass) {
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
            });
            if (data.title) { document.title = data.title + ' – SEND outcomes dashboard'; }
            var notices = (data.notices || []).join(' ');
            var noticeClassNow = notices ? 'url-notice alert alert-warning my-2' : 'url-notice';
            return [same(hrefs, navHrefs) ? nc : hrefs, same(classes, navClasses) ? nc : classes,
                    notices === (notice || '') ? nc : notices, noticeClassNow === noticeClass ? nc : noticeClassNow];
        },
        pushUrl: function (data) {
            var nc = window.dash_clientside.no_update;
            if (!data || data.search === window.location.search) { return nc; }
            if (data.push) { return data.search; }
            // Not a filter change: the page was drawn from a link whose settings fell back, or from back/forward.
            // Show the canonical address without adding a history entry. dcc.Location learns the address when it
            // mounts and, if the address has changed before those props reach it, pushes the old one back: so
            // replace only once its props are in Dash's store (and React has handed them over: the timeout).
            var path = window.location.pathname;
            (function replace(tries) {
                var api = window.dash_component_api;
                var url = api && api.getLayout ? api.getLayout('url') : null;
                if (tries > 0 && !(url && url.props && url.props.href)) {
                    setTimeout(function () { replace(tries - 1); }, 25);
                    return;
                }
                setTimeout(function () {
                    if (window.location.pathname === path && window.location.search !== data.search) {
                        window.history.replaceState(window.history.state, '', path + data.search +
                                                    window.location.hash);
                    }
                }, 0);
            })(80);
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
    };
})()});

/* A native <select> for Dash (components/select.py): the filters' one control. A dict id goes into the DOM as Dash
   writes it (keys sorted, JSON), so its <label for> finds it. */
window.send_widgets = {
    Select: function (props) {
        var h = window.React.createElement, id = props.id;
        if (id !== null && typeof id === 'object') {
            id = '{' + Object.keys(id).sort().map(function (k) {
                return JSON.stringify(k) + ':' + JSON.stringify(id[k]);
            }).join(',') + '}';
        }
        var own = {id: id, className: props.className, disabled: props.disabled,
                   value: props.value === null || props.value === undefined ? '' : props.value,
                   onChange: function (e) { props.setProps({value: e.target.value}); }};
        Object.keys(props).forEach(function (k) {  // aria-* and data-* as given
            if (k.indexOf('aria-') === 0 || k.indexOf('data-') === 0) { own[k] = props[k]; }
        });
        return h('select', own, (props.options || []).map(function (o) {
            return h('option', {key: String(o.value), value: o.value, disabled: o.disabled}, o.label);
        }));
    }
};

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
    var PHONE = window.matchMedia('(max-width: 575.98px)');

    // On a phone a legend can be taller than the plot: name each line at its end instead, and leave the point
    // markers' meaning to the sentences and the table. The mode bar would cover panel titles: it goes too.
    function forPhone(figure, config) {
        var layout = figure.layout || {};
        layout.showlegend = false;
        layout.annotations = (layout.annotations || []).slice();
        (figure.data || []).forEach(function (t) {
            if (!t.name || t.showlegend === false || !t.mode || t.mode.indexOf('lines') < 0 || !t.x) { return; }
            for (var i = t.x.length - 1; i >= 0; i--) {
                if (t.x[i] !== null && t.y[i] !== null && t.y[i] !== undefined) {
                    layout.annotations.push({x: t.x[i], y: t.y[i], xref: t.xaxis || 'x', yref: t.yaxis || 'y',
                        text: t.name, showarrow: false, xanchor: 'right', yanchor: 'bottom',
                        font: {size: 10, color: (t.line && t.line.color) || '#212529'}});
                    return;
                }
            }
        });
        layout.margin = Object.assign({}, layout.margin || {}, {r: 8, l: 40});
        figure.layout = layout;
        config.displayModeBar = false;
    }

    // plotly.js is not part of the page (app.py leaves it out): most charts come drawn. Loaded once, when the
    // first chart that needs it is drawn; a failed load may be tried again.
    var plotlyLoading = null;
    function plotly() {
        if (window.Plotly) { return Promise.resolve(window.Plotly); }
        if (!plotlyLoading) {
            plotlyLoading = new Promise(function (resolve, reject) {
                var meta = document.querySelector('meta[name="plotly-src"]');
                var script = document.createElement('script');
                script.src = meta ? meta.getAttribute('content') : '';
                script.onload = function () { resolve(window.Plotly); };
                script.onerror = function () { plotlyLoading = null; script.remove(); reject(new Error('plotly.js')); };
                document.head.appendChild(script);
            });
        }
        return plotlyLoading;
    }

    function draw(box) {
        var src = box.getAttribute('data-src');
        if (!src || box.getAttribute('data-drawn') === src || box.getAttribute('data-loading') === src) { return; }
        box.setAttribute('data-loading', src);
        var drawn = /^\/chart\//.test(src);  // an SPC chart, drawn by the server as SVG
        var need = drawn ? null : plotly();  // fetched alongside the figure, not after it
        fetch(src, {credentials: 'same-origin'}).then(function (r) {
            if (!r.ok) { throw new Error('HTTP ' + r.status); }
            return drawn ? r.text() : r.json();
        }).then(function (body) {
            if (box.getAttribute('data-src') !== src) { return; }
            if (drawn) {
                box.innerHTML = body;  // the server's own markup: every value in it is escaped (components/spc_svg.py)
                box.setAttribute('data-drawn', src);
                box.removeAttribute('data-loading');
                return;
            }
            return need.then(function (Plotly) {
                if (box.getAttribute('data-src') !== src) { return; }
                var placeholder = box.querySelector('.chart-placeholder');
                if (placeholder) { placeholder.remove(); }
                if (PHONE.matches) { forPhone(body.figure, body.config); }
                return Plotly.react(box, body.figure.data, body.figure.layout, body.config).then(function () {
                    box.setAttribute('data-drawn', src);
                    box.removeAttribute('data-loading');
                });
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

    // A page body arrives as one HTML string (components/html.py): put it in place, then watch its charts. A long
    // body goes in two steps: what fills the first screen, and once that is on the screen (the next frame) the rest,
    // so the browser lays out and paints a screenful first, not the whole page. It is split only between sections,
    // cards and tables (never inside one), after about FIRST_SCREEN elements; `data-rest` marks a body whose rest
    // is still to come. At 1400 x 857 px the last element on the screen is at most the 171st of a body (the EHC
    // plans page, the densest; the header and filters fill the top 400 px): 0.4 per pixel of the window's height
    // leaves about twice that, and on a taller screen more.
    var FIRST_SCREEN = Math.max(240, Math.round(window.innerHeight * 0.4));
    var SPLIT_INSIDE = '.page-section, .card-grid';

    function holdBack(parent, state) {
        var kids = Array.prototype.slice.call(parent.children);
        for (var i = 0; i < kids.length; i++) {
            if (state.seen >= FIRST_SCREEN) {
                var rest = kids.slice(i);
                rest.forEach(function (n) { parent.removeChild(n); });
                state.later.push([parent, rest]);  // trailing children: appended again, they come back in order
                return;
            }
            if (kids[i].matches(SPLIT_INSIDE)) {
                state.seen += 1;
                holdBack(kids[i], state);
            } else {
                state.seen += 1 + kids[i].getElementsByTagName('*').length;
            }
        }
    }

    function inject(el) {
        var markup = el.getAttribute('data-html');
        if (markup === null) { return; }
        var parsed = document.createElement('template');
        parsed.innerHTML = markup;
        var state = {seen: 0, later: []};
        holdBack(parsed.content, state);
        el.replaceChildren(parsed.content);
        el.removeAttribute('data-html');
        var body = el.__body = {};
        if (state.later.length) {
            el.setAttribute('data-rest', '');
            window.requestAnimationFrame(function () {
                setTimeout(function () {  // after the frame that painted the first screen
                    if (el.__body !== body) { return; }  // a newer body has replaced this one
                    state.later.forEach(function (held) {
                        var parent = held[0] === parsed.content ? el : held[0];  // the top level went into el
                        held[1].forEach(function (n) { parent.appendChild(n); });
                    });
                    el.removeAttribute('data-rest');
                    foldFilters(el);
                    watch(el);
                    focusMetric();
                }, 0);
            });
        }
        foldFilters(el);
        watch(el);
        focusMetric();
    }

    // ?metric=<id> on a page: scroll to that measure's card and move focus to it, once per address.
    var focused = '';
    function focusMetric() {
        var id = new URLSearchParams(window.location.search).get('metric');
        var key = window.location.pathname + '?' + id;
        if (!id || focused === key) { return; }
        var card = document.querySelector('section.chart-card[data-metric="' + CSS.escape(id) + '"]');
        if (card) {
            focused = key;
            card.scrollIntoView({block: 'start'});
            card.focus({preventScroll: true});
        }
    }

    // On a phone the filters (and the families' "While you wait" help) fold behind their one button, so the first
    // measure is in the first screen; the page opens with them shown on wider screens.
    var FOLD = 'details.filter-bar, details[data-fold-on-phone]';
    function foldFilters(root) {
        if (!PHONE.matches || root.nodeType !== 1) { return; }
        var bars = root.matches(FOLD) ? [root] : root.querySelectorAll(FOLD);
        bars.forEach(function (d) { if (!d.dataset.folded) { d.dataset.folded = '1'; d.open = false; } });
    }

    function injectAll(root) {
        if (root.nodeType !== 1) { return; }
        foldFilters(root);
        if (root.hasAttribute('data-html')) { inject(root); }
        root.querySelectorAll('[data-html]').forEach(inject);
    }

    function redrawChanged(box) {
        // React reuses a chart's element when only its data-src changes (a new locality or window): draw again.
        var r = box.getBoundingClientRect();
        if (r.bottom > -400 && r.top < window.innerHeight + 400) { draw(box); }
    }

    new MutationObserver(function (mutations) {
        mutations.forEach(function (m) {
            if (m.type === 'attributes') {
                if (m.attributeName === 'data-html') { inject(m.target); return; }
                if (m.target.classList && m.target.classList.contains('chart')) { redrawChanged(m.target); }
                return;
            }
            m.addedNodes && m.addedNodes.forEach(function (n) {
                if (n.nodeType === 1) { injectAll(n); watch(n); }
            });
        });
    }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                          attributeFilter: ['data-src', 'data-html']});

    // Links inside HTML bodies move between the dashboard's pages without a reload, as Dash's own links do: the
    // address changes and Dash's router (dcc.Location) draws the page. Downloads and data go to the server.
    document.addEventListener('click', function (e) {
        var a = e.target.closest && e.target.closest('a[href]');
        if (!a || !a.closest('.html-block') || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey ||
            e.shiftKey || e.altKey || a.target || a.hasAttribute('download')) { return; }
        var url = new URL(a.href, window.location.href);
        if (url.origin !== window.location.origin || /^\/(download|figure|table|assets|_dash)/.test(url.pathname)) {
            return;
        }
        if (url.pathname === window.location.pathname && url.search === window.location.search) {
            return;  // an anchor on this page: the browser scrolls to it
        }
        e.preventDefault();
        var samePage = url.pathname === window.location.pathname;
        window.history.pushState({}, '', url.pathname + url.search + url.hash);
        // Another page: Dash's router draws it. The same page with other settings: as back/forward would.
        window.dispatchEvent(samePage ? new PopStateEvent('popstate') : new CustomEvent('_dashprivate_pushstate'));
        window.scrollTo(0, 0);
    });

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

    // An SVG chart as a PNG: its y axis and plot drawn side by side on a canvas at twice the size, with the legend's
    // words under them.
    function savePng(box, filename) {
        var axis = box.querySelector('svg.y-axis'), plot = box.querySelector('svg.plot');
        var w = axis.clientWidth + plot.clientWidth, h = plot.clientHeight;
        var legend = Array.from(box.querySelectorAll('.chart-legend li')).map(function (li) {
            return li.textContent;
        }).join('   ·   ');
        var canvas = document.createElement('canvas');
        canvas.width = 2 * w;
        canvas.height = 2 * (h + 28);
        var ctx = canvas.getContext('2d');
        ctx.scale(2, 2);
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, w, h + 28);
        function image(svg, width) {
            var copy = svg.cloneNode(true);
            copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
            copy.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
            copy.setAttribute('width', width);
            copy.setAttribute('height', h);
            return new Promise(function (resolve, reject) {
                var img = new Image();
                img.onload = function () { resolve(img); };
                img.onerror = reject;
                img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(copy.outerHTML);
            });
        }
        Promise.all([image(axis, axis.clientWidth), image(plot, plot.clientWidth)]).then(function (imgs) {
            ctx.drawImage(imgs[0], 0, 0);
            ctx.drawImage(imgs[1], axis.clientWidth, 0);
            ctx.fillStyle = '#212529';
            ctx.font = '12px system-ui, sans-serif';
            ctx.fillText(legend, axis.clientWidth, h + 18, plot.clientWidth);
            var a = document.createElement('a');
            a.download = filename + '.png';
            a.href = canvas.toDataURL('image/png');
            document.body.appendChild(a);
            a.click();
            a.remove();
        });
    }

    // "Save chart as PNG": the keyboard route to the mode bar's camera button.
    document.addEventListener('click', function (e) {
        var button = e.target.closest && e.target.closest('.png-button');
        if (!button) { return; }
        var box = document.getElementById(button.getAttribute('data-target'));
        if (box && box.querySelector('.svg-chart')) {
            savePng(box, button.getAttribute('data-filename'));
        } else if (box && window.Plotly && box.getAttribute('data-drawn')) {
            window.Plotly.downloadImage(box, {format: 'png', filename: button.getAttribute('data-filename'),
                                              scale: 2, width: 1000, height: 500});
        } else if (box) {
            draw(box);
        }
    });

    // Meeting mode: → next slide, ← previous, Home first, End the summary, Esc back to the overview. The slide is
    // in the URL, so moving is what back/forward would do (components/page.py sync_url redraws it).
    function go(href, samePage) {
        if (!href) { return; }
        window.history.pushState({}, '', href);
        window.dispatchEvent(samePage ? new PopStateEvent('popstate') : new CustomEvent('_dashprivate_pushstate'));
    }
    document.addEventListener('keydown', function (e) {
        var m = document.querySelector('.meeting');
        if (!m || e.altKey || e.ctrlKey || e.metaKey || /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) { return; }
        var to = {ArrowRight: 'next', ArrowLeft: 'prev', Home: 'first', End: 'last', Escape: 'exit'}[e.key];
        if (!to) { return; }
        e.preventDefault();
        go(m.getAttribute('data-' + to), to !== 'exit');
        window.scrollTo(0, 0);
    });

    injectAll(document.documentElement);
    watch(document);
})();
