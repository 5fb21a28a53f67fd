/*
 * The imitation of amoCRM's widget runtime used by the browser tests (tests/e2e/harness.py serves it).
 *
 * Reads the page's data from window.AMO1C_HARNESS, defines the APP / AMOCRM globals, loads the widget's script.js
 * through RequireJS as amoCRM does (an AMD module depending on 'jquery'), gives the instance the helpers amoCRM
 * gives a widget (system, get_settings, params, i18n, render_template, $authorizedAjax) and runs its callbacks in
 * amoCRM's order: render, init, bind_actions, then advancedSettings on the advanced settings page.
 *
 * What happened is left in window.AMO1C_HARNESS_STATE for the tests: the callbacks' return values, the
 * $authorizedAjax calls and any loading error.
 */
(function () {
  'use strict';

  var config = window.AMO1C_HARNESS;
  var state = {callbacks: {}, authorizedAjax: [], error: null, ready: false};
  window.AMO1C_HARNESS_STATE = state;

  // APP is the current global; AMOCRM is its deprecated twin, here the same object as in amoCRM.
  var env = {
    lang_id: config.lang,
    isCard: function () {
      return config.entity !== null;
    },
    getBaseEntity: function () {
      return config.entity;
    },
    getWidgetsArea: function () {
      return config.entity !== null ? config.entity + '_card' : 'advanced-settings:' + config.widgetCode;
    },
    constant: function (key) {
      var constants = {
        account: {id: config.accountId, subdomain: config.subdomain},
        user: {id: config.userId},
        user_rights: {is_admin: config.isAdmin}
      };
      return constants[key];
    },
    data: {
      current_entity: config.entity,
      current_card: config.entity !== null ? {id: config.cardId, main_user: config.userId} : null,
      current_view: null
    }
  };
  window.APP = env;
  window.AMOCRM = env;

  function escapeHtml(text) {
    return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }

  function fail(error) {
    state.error = String((error && (error.message || error.requireType)) || error);
  }

  requirejs.config({
    paths: {jquery: config.jquery, widget: config.widgetPath},
    waitSeconds: 10
  });

  requirejs(['jquery', 'widget/script'], function ($, Widget) {
    var widget;
    var order = ['render', 'init', 'bind_actions'];
    var i;
    try {
      widget = new Widget();

      widget.system = function () {
        return {
          area: config.area,
          amouser_id: config.userId,
          amohash: 'harness',
          subdomain: config.subdomain,
          domain: config.subdomain + '.amocrm.ru',
          lang: config.lang
        };
      };
      widget.get_settings = function () {
        return {widget_code: config.widgetCode, status: 'installed', active: 'Y'};
      };
      widget.params = {path: config.widgetPath, widget_code: config.widgetCode, version: '0.1.0'};
      widget.get_version = function () {
        return widget.params.version;
      };
      // The documented form: a group name gives that group's object from i18n/{lang}.json.
      widget.i18n = function (group) {
        return config.i18n[group];
      };
      // amoCRM draws a block in the right column: a caption with the widget's name, then body and render.
      widget.render_template = function (options) {
        var caption = options.caption
          ? '<div class="card-widgets__widget-caption ' + escapeHtml(options.caption.class_name || '') + '">' +
            escapeHtml(config.i18n.widget.name) + '</div>'
          : '';
        $('#widgets_block').append(
          '<div class="card-widgets__widget" data-code="' + escapeHtml(config.widgetCode) + '">' + caption +
          '<div class="card-widgets__widget-body">' + (options.body || '') + (options.render || '') + '</div></div>'
        );
      };
      // Like amoCRM: fetch a fresh one-time token for the current user, then $.ajax with X-Auth-Token added.
      widget.$authorizedAjax = function (options) {
        var deferred = $.Deferred();
        var promise = deferred.promise();
        var inner = null;
        var aborted = false;
        state.authorizedAjax.push({url: options.url, method: options.method || options.type || 'GET'});
        $.ajax({
          url: '/jwt',
          dataType: 'json',
          cache: false,
          data: {account_id: config.accountId, user_id: config.userId, is_admin: config.isAdmin ? '1' : '0',
                 forged: config.forged ? '1' : '0'}
        }).then(function (answer) {
          if (aborted) {
            return;
          }
          inner = $.ajax($.extend({}, options, {
            headers: $.extend({}, options.headers, {'X-Auth-Token': answer.token})
          }));
          inner.then(deferred.resolve, deferred.reject);
        }, deferred.reject);
        promise.abort = function () {
          aborted = true;
          if (inner) {
            inner.abort();
          } else {
            deferred.reject({status: 0, readyState: 0}, 'abort');
          }
        };
        return promise;
      };

      if (config.area === 'advanced_settings') {
        order.push('advancedSettings');
      }
      for (i = 0; i < order.length; i++) {
        state.callbacks[order[i]] = widget.callbacks[order[i]]();
      }
      window.AMO1C_WIDGET = widget;
      state.ready = true;
    } catch (e) {
      fail(e);
    }
  }, fail);
})();
