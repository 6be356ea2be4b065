/**
 * The head-office dashboard: one static page, its stylesheet and its script, served from this
 * module. The page holds no data; the script asks the operator endpoints with the token the
 * operator typed (kept in sessionStorage, never in the URL). CSP: everything from 'self' only,
 * no inline script or style, so the script can never be swapped for injected markup.
 * Review actions (close a case, clear a till's chain flag, export or erase a member) ask for a
 * reason and send it with the operator id typed at the top; head office keeps both.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>总部会员积分看板</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1 data-i18n="title">总部会员积分看板</h1>
  <button type="button" id="lang" data-testid="lang">English</button>
</header>
<form id="auth" autocomplete="off">
  <label for="token" data-i18n="token">操作员令牌</label>
  <input id="token" type="password" data-testid="token" autocomplete="off" spellcheck="false">
  <label for="operatorId" data-i18n="operatorId">操作员编号</label>
  <input id="operatorId" data-testid="operatorId" autocomplete="off" spellcheck="false">
  <button type="submit" id="load" data-testid="load" data-i18n="load">加载</button>
  <button type="button" id="forget" data-i18n="forget">清除令牌</button>
  <span id="status" role="status" data-testid="status"></span>
</form>
<main id="main" hidden>
  <section>
    <h2 data-i18n="programme">计划概况</h2>
    <p class="muted"><span data-i18n="asOf">截至</span> <span id="asOf"></span></p>
    <div id="measures" class="cards" data-testid="summary"></div>
    <div class="row">
      <div><h3 data-i18n="tiers">等级分布</h3><table id="tiers"></table></div>
      <div><h3 data-i18n="classes">ABCD 分类</h3><table id="classes"></table></div>
      <div><h3 data-i18n="lifecycle">生命周期</h3><table id="lifecycles"></table></div>
    </div>
    <h3 data-i18n="stores">门店</h3>
    <table id="stores"></table>
  </section>
  <section>
    <h2 data-i18n="tillsTitle">收银机</h2>
    <table id="tills" data-testid="tills"></table>
  </section>
  <section>
    <h2 data-i18n="doubleSpend">重复消费案例</h2>
    <table id="cases" data-testid="cases"></table>
  </section>
  <section>
    <h2 data-i18n="lookup">会员查询</h2>
    <form id="lookupForm" autocomplete="off">
      <label for="memberNo" data-i18n="memberNo">会员号</label>
      <input id="memberNo" data-testid="memberNo" spellcheck="false">
      <button type="submit" data-i18n="search">查询</button>
    </form>
    <div id="member" data-testid="member"></div>
  </section>
</main>
</body>
</html>
`;

export const DASHBOARD_CSS = `
:root { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1d2433; background: #f5f6f8; }
body { margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; }
header { display: flex; align-items: center; justify-content: space-between; }
h1 { font-size: 22px; margin: 8px 0; }
h2 { font-size: 18px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 12px 0 6px; color: #4a5468; }
form { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
input { padding: 6px 8px; border: 1px solid #c3c8d2; border-radius: 4px; font: inherit; min-width: 220px; }
button { padding: 6px 12px; border: 1px solid #2f5bd3; background: #2f5bd3; color: #fff; border-radius: 4px; font: inherit; cursor: pointer; }
button[type=button] { background: #fff; color: #2f5bd3; }
section { background: #fff; border: 1px solid #e0e3ea; border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; }
.card { border: 1px solid #e0e3ea; border-radius: 6px; padding: 8px 10px; }
.card .k { font-size: 12px; color: #4a5468; }
.card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.row { display: flex; gap: 24px; flex-wrap: wrap; }
table { border-collapse: collapse; font-size: 13px; min-width: 200px; }
th, td { border-bottom: 1px solid #e6e8ee; padding: 4px 10px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f0f2f6; font-weight: 600; }
tr.broken td { background: #fde8e8; }
.bad { color: #c62828; font-weight: 700; }
.muted { color: #6b7385; font-size: 12px; }
td button { padding: 2px 8px; font-size: 12px; }
button.danger { border-color: #c62828; background: #c62828; color: #fff; }
#status { font-size: 13px; }
#status.err { color: #c62828; }
`;

export const DASHBOARD_JS = String.raw`'use strict';
(function () {
  var KEY = 'hqOperatorToken';
  var OP_KEY = 'hqOperatorId';
  var LANG_KEY = 'hqDashboardLang';
  var T = {
    'zh-CN': {
      title: '总部会员积分看板', token: '操作员令牌', load: '加载', forget: '清除令牌', programme: '计划概况',
      asOf: '截至', tiers: '等级分布', classes: 'ABCD 分类', lifecycle: '生命周期', stores: '门店',
      tillsTitle: '收银机', doubleSpend: '重复消费案例', lookup: '会员查询', memberNo: '会员号', search: '查询',
      enrolled: '会员数', active: '活跃会员', issued: '已发放积分', redeemed: '已兑换积分', expired: '已过期积分',
      outstanding: '未兑积分', liability: '未兑积分负债', negative: '负余额会员', salesCount: '销售笔数',
      salesTotal: '销售额', memberShare: '会员销售占比', tillsBroken: '链断裂收银机', mismatches: '积分不符',
      complaints: '投诉（未结 / 全部）', suggestions: '建议（未结 / 全部）',
      name: '名称', count: '数量', store: '门店', enrolments: '入会', sales: '销售笔数', memberSales: '会员销售笔数',
      memberSalesTotal: '会员销售额', till: '收银机', lastUpload: '最后上传', ackSeq: '已确认序号', chain: '链状态',
      badSignatures: '签名错误', refused: '被拒会员变更', ok: '正常', broken: '断裂', none: '无', member: '会员', tillsCol: '收银机',
      points: '积分', balanceAfter: '之后余额', statusCol: '状态', detectedAt: '发现时间', resolutionCol: '处理结果', erased: '已注销 (个人信息已删除)', operatorId: '操作员编号', actionCol: '操作', closeCase: '结案', clearChain: '清除标记', exportMember: '导出会员数据', eraseMember: '删除个人信息', askReason: '请填写原因 (将被记录)', needOperator: '请先填写操作员编号', confirmErase: '确定删除该会员的全部个人信息? 此操作不可撤销, 积分流水将保留。', done: '已完成', balance: '可用积分',
      ledgerBalance: '账本余额', debt: '欠分', tier: '等级', cls: '分类', life: '生命周期', memberStatus: '会员状态',
      rollingSpend: '滚动消费', enrolledStore: '入会门店', cards: '卡', ledger: '积分流水', seq: '序号', kind: '类型',
      occurredAt: '时间', expiresOn: '到期日', sale: '销售单', loading: '加载中…', loaded: '已加载',
      needToken: '请输入操作员令牌', unauthorized: '令牌无效', unknownMember: '未找到该会员', failed: '请求失败',
      lc_new: '新会员', lc_active: '活跃', lc_at_risk: '流失风险', lc_dormant: '沉睡', withLedger: '有积分记录会员', expiringSoon: '即将过期', noData: '暂无数据'
    },
    en: {
      title: 'Head-office loyalty dashboard', token: 'Operator token', load: 'Load', forget: 'Forget token',
      programme: 'Programme', asOf: 'As of', tiers: 'Tiers', classes: 'A/B/C/D classes', lifecycle: 'Lifecycle',
      stores: 'Stores', tillsTitle: 'Tills', doubleSpend: 'Double-spend cases', lookup: 'Member lookup',
      memberNo: 'Member no.', search: 'Look up', enrolled: 'Members', active: 'Active members',
      issued: 'Points issued', redeemed: 'Points redeemed', expired: 'Points expired', outstanding: 'Points outstanding',
      liability: 'Outstanding liability', negative: 'Negative balances', salesCount: 'Sales', salesTotal: 'Sales total',
      memberShare: 'Member share', tillsBroken: 'Broken tills', mismatches: 'Mismatches', name: 'Name', count: 'Count',
      complaints: 'Complaints (open / all)', suggestions: 'Suggestions (open / all)',
      store: 'Store', enrolments: 'Enrolments', sales: 'Sales', memberSales: 'Member sales',
      memberSalesTotal: 'Member sales total', till: 'Till', lastUpload: 'Last upload', ackSeq: 'Acknowledged seq',
      chain: 'Chain', badSignatures: 'Bad signatures', refused: 'Refused member changes', ok: 'ok', broken: 'BROKEN', none: 'none', member: 'Member',
      tillsCol: 'Tills', points: 'Points', balanceAfter: 'Balance after', statusCol: 'Status', detectedAt: 'Detected', resolutionCol: 'Resolution', erased: 'Erased (personal data removed)', operatorId: 'Operator id', actionCol: 'Action', closeCase: 'Close', clearChain: 'Clear flag', exportMember: 'Export member data', eraseMember: 'Erase personal data', askReason: 'Reason (it is kept)', needOperator: 'Enter your operator id first', confirmErase: 'Erase all personal data of this member? This cannot be undone; the ledger stays.', done: 'Done',
      balance: 'Balance', ledgerBalance: 'Ledger balance', debt: 'Debt', tier: 'Tier', cls: 'Class',
      life: 'Lifecycle', memberStatus: 'Status', rollingSpend: 'Rolling spend', enrolledStore: 'Enrolled at',
      cards: 'Cards', ledger: 'Ledger', seq: 'Seq', kind: 'Kind', occurredAt: 'Occurred', expiresOn: 'Expires',
      sale: 'Sale', loading: 'Loading…', loaded: 'Loaded', needToken: 'Enter the operator token',
      unauthorized: 'Token refused', unknownMember: 'No such member', failed: 'Request failed', lc_new: 'new',
      lc_active: 'active', lc_at_risk: 'at risk', lc_dormant: 'dormant', withLedger: 'Members with a ledger', expiringSoon: 'Expiring soon', noData: 'No data'
    }
  };
  var lang = sessionStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
  var last = { summary: null, tills: null, member: null, memberError: null };
  function t(k) { var v = T[lang][k]; return v === undefined ? k : v; }
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function num(n) { return n === null || n === undefined ? '—' : new Intl.NumberFormat(lang).format(n); }
  function pct(n) { return n === null || n === undefined ? '—' : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(n); }
  function yuan(fen) { return new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(fen / 100); }
  function when(iso) { return iso ? new Date(iso).toLocaleString(lang, { hour12: false }) : '—'; }
  // cols: [labelKey, fn(row) -> value, numeric?, cls fn?]
  function table(node, cols, rows, rowCls) {
    node.replaceChildren();
    var head = el('tr');
    cols.forEach(function (c) { head.appendChild(el('th', t(c[0]))); });
    node.appendChild(el('thead')).appendChild(head);
    var body = node.appendChild(el('tbody'));
    if (!rows.length) {
      var tr = el('tr'); var td = el('td', t('noData'), 'muted'); td.colSpan = cols.length; tr.appendChild(td); body.appendChild(tr);
    }
    rows.forEach(function (r) {
      var tr = el('tr');
      if (rowCls) tr.className = rowCls(r) || '';
      cols.forEach(function (c) {
        var v = c[1](r);
        var td = v instanceof Node ? el('td', null, c[2] ? 'n' : '') : el('td', v, c[2] ? 'n' : '');
        if (v instanceof Node) td.appendChild(v);
        if (c[3]) { var x = c[3](r); if (x) td.classList.add(x); }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  function pairs(obj) { return Object.keys(obj || {}).map(function (k) { return [k, obj[k]]; }); }
  function setStatus(text, err) { var s = $('status'); s.textContent = text; s.className = err ? 'err' : ''; }
  function token() { return sessionStorage.getItem(KEY) || ''; }
  function api(path, body) {
    var init = { headers: { Authorization: 'Bearer ' + token() }, cache: 'no-store', referrerPolicy: 'no-referrer' };
    if (body !== undefined) { init.method = 'POST'; init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init)
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (b) {
          if (!r.ok) { var e = new Error((b && b.error && b.error.code) || String(r.status)); e.status = r.status; throw e; }
          return b;
        });
      });
  }
  function operatorId() { return ($('operatorId').value || '').trim(); }
  /** Asks for the reason and sends {operatorId, reason}; null when the operator backs out. */
  function act(path, confirmText) {
    if (!operatorId()) { setStatus(t('needOperator'), true); $('operatorId').focus(); return null; }
    if (confirmText && !window.confirm(confirmText)) return null;
    var reason = (window.prompt(t('askReason')) || '').trim();
    if (!reason) return null;
    sessionStorage.setItem(OP_KEY, operatorId());
    return api(path, { operatorId: operatorId(), reason: reason }).then(function (b) {
      setStatus(t('done'), false); return b;
    }, function (e) { setStatus(explain(e), true); throw e; });
  }
  function button(label, testid, onClick, cls) {
    var b = el('button', t(label), cls); b.type = 'button'; b.setAttribute('data-testid', testid);
    b.addEventListener('click', onClick); return b;
  }
  function card(k, v) { var c = el('div', null, 'card'); c.appendChild(el('div', t(k), 'k')); c.appendChild(el('div', v, 'v')); return c; }
  function renderSummary(s) {
    $('asOf').textContent = when(s.asOf);
    var m = $('measures'); m.replaceChildren();
    m.appendChild(card('enrolled', num(s.members.enrolled)));
    m.appendChild(card('withLedger', num(s.members.withLedger)));
    m.appendChild(card('active', num(s.members.active)));
    m.appendChild(card('issued', num(s.points.issued)));
    m.appendChild(card('redeemed', num(s.points.redeemed)));
    m.appendChild(card('expired', num(s.points.expired)));
    m.appendChild(card('outstanding', num(s.points.outstanding)));
    m.appendChild(card('liability', yuan(s.points.liabilityFen)));
    m.appendChild(card('negative', num(s.points.negativeBalances.members) + ' / ' + num(s.points.negativeBalances.points)));
    m.appendChild(card('salesCount', num(s.sales.count)));
    m.appendChild(card('salesTotal', yuan(s.sales.total)));
    m.appendChild(card('memberShare', pct(s.sales.memberShare)));
    m.appendChild(card('mismatches', num(s.sales.mismatches)));
    // Feedback recorded at the tills (DOMAIN.md 9); open complaints in red, someone should follow them up.
    ['complaints', 'suggestions'].forEach(function (k) {
      var f = s.feedback && s.feedback[k];
      if (!f) return;
      var c = card(k, num(f.open) + ' / ' + num(f.open + f.closed));
      if (k === 'complaints' && f.open > 0) c.lastChild.classList.add('bad');
      m.appendChild(c);
    });
    var broken = card('tillsBroken', num(s.tills.broken) + ' / ' + num(s.tills.total));
    if (s.tills.broken > 0) broken.lastChild.classList.add('bad');
    m.appendChild(broken);
    var kv = [['name', function (r) { return t('lc_' + r[0]); }], ['count', function (r) { return num(r[1]); }, true]];
    table($('tiers'), [['tier', function (r) { return r[0]; }], kv[1]], pairs(s.members.tiers));
    table($('classes'), [['cls', function (r) { return r[0]; }], kv[1]], pairs(s.members.classes));
    table($('lifecycles'), kv, pairs(s.members.lifecycle));
    table($('stores'), [
      ['store', function (r) { return r.storeId; }],
      ['enrolments', function (r) { return num(r.enrolments); }, true],
      ['sales', function (r) { return num(r.sales); }, true],
      ['salesTotal', function (r) { return yuan(r.salesTotal); }, true],
      ['memberSales', function (r) { return num(r.memberSales); }, true],
      ['memberSalesTotal', function (r) { return yuan(r.memberSalesTotal); }, true]
    ], s.stores || []);
    table($('cases'), [
      ['member', function (r) { return r.memberNo; }],
      ['tillsCol', function (r) { return r.tills.join(', '); }],
      ['points', function (r) { return num(r.points); }, true],
      ['balanceAfter', function (r) { return num(r.balanceAfter); }, true, function (r) { return r.balanceAfter < 0 ? 'bad' : ''; }],
      ['statusCol', function (r) { return r.status; }, false, function (r) { return r.status === 'open' ? 'bad' : ''; }],
      ['detectedAt', function (r) { return when(r.detectedAt); }],
      ['resolutionCol', function (r) { return r.closedBy ? r.closedBy + ' ' + when(r.closedAt) + ': ' + r.resolution : ''; }],
      ['actionCol', function (r) {
        if (r.status !== 'open') return '';
        return button('closeCase', 'close-case-' + r.id, function () {
          var p = act('/v1/cases/' + r.id + '/close'); if (p) p.then(load, function () {});
        });
      }]
    ], s.doubleSpendCases || []);
  }
  function renderTills(list) {
    table($('tills'), [
      ['till', function (r) { return r.tillId; }],
      ['store', function (r) { return r.storeId; }],
      ['lastUpload', function (r) { return when(r.lastUploadAt); }],
      ['ackSeq', function (r) { return num(r.ackSeq); }, true],
      ['chain', function (r) { return r.chainStatus === 'broken' ? t('broken') + (r.chainError ? ': ' + r.chainError : '') : t('ok'); },
        false, function (r) { return r.chainStatus === 'broken' ? 'bad' : ''; }],
      ['badSignatures', function (r) { return num(r.badSignatures); }, true, function (r) { return r.badSignatures > 0 ? 'bad' : ''; }],
      ['mismatches', function (r) { return num(r.mismatches); }, true, function (r) { return r.mismatches > 0 ? 'bad' : ''; }],
      // Member changes head office refused from this till (headoffice/domain/ownership.ts), with the last reason.
      ['refused', function (r) { return num(r.refusedChanges || 0) + (r.lastRefusal ? ' (' + r.lastRefusal.reason + ')' : ''); },
        true, function (r) { return r.refusedChanges > 0 ? 'bad' : ''; }],
      ['sales', function (r) { return num(r.sales); }, true],
      ['actionCol', function (r) {
        if (r.chainStatus !== 'broken') return '';
        return button('clearChain', 'clear-chain-' + r.tillId, function () {
          var p = act('/v1/tills/' + encodeURIComponent(r.tillId) + '/chain/clear'); if (p) p.then(load, function () {});
        });
      }]
    ], list, function (r) { return r.chainStatus === 'broken' ? 'broken' : ''; });
    $('tills').querySelectorAll('tbody tr').forEach(function (tr, i) { if (list[i]) tr.setAttribute('data-till', list[i].tillId); });
  }
  function renderMember() {
    var box = $('member'); box.replaceChildren();
    if (last.memberError) { box.appendChild(el('p', t(last.memberError), 'bad')); return; }
    var v = last.member; if (!v) return;
    var m = el('div', null, 'cards');
    m.appendChild(card('member', v.memberNo + (v.name ? ' · ' + v.name : '')));
    m.appendChild(card('balance', num(v.balance)));
    m.appendChild(card('ledgerBalance', num(v.ledgerBalance)));
    m.appendChild(card('debt', num(v.debt)));
    m.appendChild(card('tier', v.tier));
    m.appendChild(card('cls', v['class'] || '—'));
    m.appendChild(card('life', t('lc_' + v.lifecycle)));
    m.appendChild(card('memberStatus', v.erasedAt ? t('erased') + ' ' + when(v.erasedAt) : v.status));
    m.appendChild(card('rollingSpend', yuan(v.rollingSpend)));
    m.appendChild(card('enrolledStore', v.enrolledStore || '—'));
    box.appendChild(m);
    var actions = el('p');
    var path = '/v1/members/' + encodeURIComponent(v.memberNo);
    actions.appendChild(button('exportMember', 'export-member', function () {
      var p = act(path + '/export');
      if (p) p.then(function (data) {
        // A file the operator saves; the personal data never goes into the page.
        var a = document.createElement('a');
        a.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
        a.download = 'member-' + v.memberNo + '.json';
        document.body.appendChild(a); a.click(); a.remove();
        setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
      }, function () {});
    }));
    if (!v.erasedAt) {
      actions.appendChild(document.createTextNode(' '));
      actions.appendChild(button('eraseMember', 'erase-member', function () {
        var p = act(path + '/erase', t('confirmErase'));
        if (p) p.then(function () { lookup(v.memberNo); load(); }, function () {});
      }, 'danger'));
    }
    box.appendChild(actions);
    if (v.expiringSoon && v.expiringSoon.length) {
      box.appendChild(el('h3', t('expiringSoon')));
      var es = box.appendChild(el('table'));
      table(es, [['expiresOn', function (r) { return r.on; }], ['points', function (r) { return num(r.points); }, true]], v.expiringSoon);
    }
    box.appendChild(el('h3', t('cards')));
    table(box.appendChild(el('table')), [['name', function (r) { return r.code; }], ['kind', function (r) { return r.kind; }],
      ['statusCol', function (r) { return r.status; }]], v.cards || []);
    box.appendChild(el('h3', t('ledger')));
    var lg = box.appendChild(el('table')); lg.setAttribute('data-testid', 'ledger');
    table(lg, [
      ['occurredAt', function (r) { return when(r.occurredAt); }],
      ['till', function (r) { return r.tillId; }],
      ['seq', function (r) { return r.seq; }, true],
      ['kind', function (r) { return r.kind; }],
      ['points', function (r) { return num(r.points); }, true],
      ['expiresOn', function (r) { return r.expiresOn || '—'; }],
      ['sale', function (r) { return r.saleId || '—'; }]
    ], v.ledger || []);
  }
  function explain(e) { return e && e.status === 401 ? t('unauthorized') : t('failed') + ' (' + (e && e.message) + ')'; }
  function load() {
    if (!token()) { setStatus(t('needToken'), true); return; }
    setStatus(t('loading'), false);
    Promise.all([api('/v1/reports/summary'), api('/v1/tills')]).then(function (res) {
      last.summary = res[0]; last.tills = res[1].tills;
      renderSummary(last.summary); renderTills(last.tills);
      $('main').hidden = false;
      setStatus(t('loaded') + ' ' + when(new Date().toISOString()), false);
    }).catch(function (e) { $('main').hidden = true; setStatus(explain(e), true); });
  }
  function lookup(no) {
    if (!no) return;
    api('/v1/members/' + encodeURIComponent(no)).then(function (v) { last.member = v; last.memberError = null; renderMember(); })
      .catch(function (e) { last.member = null; last.memberError = e.status === 404 ? 'unknownMember' : null; if (!last.memberError) setStatus(explain(e), true); renderMember(); });
  }
  function applyLang() {
    document.documentElement.lang = lang;
    document.title = t('title');
    document.querySelectorAll('[data-i18n]').forEach(function (n) { n.textContent = t(n.getAttribute('data-i18n')); });
    $('lang').textContent = lang === 'en' ? '中文' : 'English';
    if (last.summary) renderSummary(last.summary);
    if (last.tills) renderTills(last.tills);
    renderMember();
  }
  document.addEventListener('DOMContentLoaded', function () {
    $('token').value = token();
    $('operatorId').value = sessionStorage.getItem(OP_KEY) || '';
    $('auth').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var v = $('token').value.trim();
      if (v) sessionStorage.setItem(KEY, v);
      load();
    });
    $('forget').addEventListener('click', function () {
      sessionStorage.removeItem(KEY); sessionStorage.removeItem(OP_KEY); $('token').value = ''; $('operatorId').value = ''; $('main').hidden = true;
      last = { summary: null, tills: null, member: null, memberError: null }; setStatus('', false);
    });
    $('lookupForm').addEventListener('submit', function (ev) { ev.preventDefault(); lookup($('memberNo').value.trim()); });
    $('lang').addEventListener('click', function () {
      lang = lang === 'en' ? 'zh-CN' : 'en'; sessionStorage.setItem(LANG_KEY, lang); applyLang();
    });
    applyLang();
    if (token()) load();
  });
})();
`;

const ASSETS: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
  '/dashboard': { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
  '/dashboard.js': { type: 'text/javascript; charset=utf-8', body: DASHBOARD_JS },
  '/dashboard.css': { type: 'text/css; charset=utf-8', body: DASHBOARD_CSS },
};

/** Serves the dashboard's GET/HEAD paths; false for anything else (left to the API router). */
export function serveDashboard(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
  const asset = ASSETS[pathname];
  const method = req.method ?? 'GET';
  if (!asset || (method !== 'GET' && method !== 'HEAD')) return false;
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': Buffer.byteLength(asset.body),
    'cache-control': 'no-store',
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(method === 'HEAD' ? undefined : asset.body);
  return true;
}
