/*
 * amo1c widget: frames the amo1c backend's pages into amoCRM.
 *
 * In lead, contact and company cards it draws a right-column panel holding an iframe of
 * BACKEND/ui/cards/{entity}/{id}; on the advanced settings page it fills #work-area-{code} with an iframe of
 * BACKEND/ui/settings. Each frame's first load carries a short-lived UI token obtained from POST /ui/session
 * with amoCRM's one-time X-Auth-Token (self.$authorizedAjax).
 *
 * Optional messages between the frames and this script (both checked against the backend's origin):
 *   frame -> widget {type: 'amo1c:height', height: <px>}  resizes a card frame to its content;
 *   widget -> frame {type: 'amo1c:token', token, expires_in} a fresh UI token shortly before the old one expires.
 *
 * Plain ES5 and jQuery only: amoCRM loads widgets into old browsers too.
 */
define(['jquery'], function ($) {
  'use strict';

  // Replaced by `amo1c widget build --public-url ...`; no trailing slash.
  var BACKEND = '__AMO1C_PUBLIC_URL__';
  var ORIGIN = (/^https?:\/\/[^\/?#]+/i.exec(BACKEND) || [BACKEND])[0];

  var AREA_ENTITIES = {lcard: 'leads', ccard: 'contacts', comcard: 'companies'};
  var BASE_ENTITIES = {leads: 'leads', contacts: 'contacts', companies: 'companies'};
  var REQUEST_TIMEOUT_MS = 20000;
  var RENEW_BEFORE_EXPIRY_S = 60;
  var CARD_FRAME_HEIGHT_PX = 420;
  var CARD_FRAME_MIN_PX = 120;
  var CARD_FRAME_MAX_PX = 2000;
  var CONTAINER_POLL_MS = 100;
  var CONTAINER_POLL_TRIES = 50;

  var instances = 0;

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;');
  }

  // APP is the current global; AMOCRM is its deprecated twin that older amoCRM builds still use.
  function environments() {
    var found = [];
    if (window.APP) {
      found.push(window.APP);
    }
    if (window.AMOCRM && window.AMOCRM !== window.APP) {
      found.push(window.AMOCRM);
    }
    return found;
  }

  var CustomWidget = function () {
    var self = this;
    var uid = 'amo1c-' + (++instances) + '-' + new Date().getTime();
    var state = {generation: 0, timers: [], requests: [], listening: false};

    function system() {
      try {
        return self.system() || {};
      } catch (e) {
        return {};
      }
    }

    // self.i18n(group) returns the group's object in the documented API; some builds also take a dotted key.
    function t(key) {
      var parts = key.split('.');
      var value = null;
      var i;
      try {
        value = self.i18n(parts[0]);
      } catch (e) {
        value = null;
      }
      for (i = 1; i < parts.length && value && typeof value === 'object'; i++) {
        value = value[parts[i]];
      }
      if (typeof value === 'string') {
        return value;
      }
      try {
        value = self.i18n(key);
      } catch (e2) {
        value = null;
      }
      return typeof value === 'string' && value !== key ? value : key;
    }

    // The backend speaks ru and en: Russian for ru, English for every other interface language.
    function language() {
      var envs = environments();
      var lang = '';
      var i;
      for (i = 0; i < envs.length && !lang; i++) {
        if (typeof envs[i].lang_id === 'string') {
          lang = envs[i].lang_id;
        }
      }
      if (!lang && typeof system().lang === 'string') {
        lang = system().lang;
      }
      if (!lang) {
        return 'ru';
      }
      return lang.toLowerCase().indexOf('ru') === 0 ? 'ru' : 'en';
    }

    function widgetCode() {
      var settings = null;
      try {
        settings = self.get_settings();
      } catch (e) {
        settings = null;
      }
      return (settings && settings.widget_code) || (self.params && self.params.widget_code) || '';
    }

    // leads, contacts or companies when the user is in such a card, null anywhere else.
    function cardEntity() {
      var envs = environments();
      var area = system().area;
      var i;
      var env;
      if (AREA_ENTITIES.hasOwnProperty(area)) {
        return AREA_ENTITIES[area];
      }
      for (i = 0; i < envs.length; i++) {
        env = envs[i];
        try {
          if (typeof env.isCard === 'function' && env.isCard() && typeof env.getBaseEntity === 'function') {
            return BASE_ENTITIES.hasOwnProperty(env.getBaseEntity()) ? BASE_ENTITIES[env.getBaseEntity()] : null;
          }
        } catch (e) {
          // an environment without these methods: try the next one
        }
        if (env.data && BASE_ENTITIES.hasOwnProperty(env.data.current_entity) && env.data.current_card) {
          return BASE_ENTITIES[env.data.current_entity];
        }
      }
      return null;
    }

    // The open card's id as a string, or null for a card not saved yet (amoCRM gives it id 0).
    function cardId() {
      var envs = environments();
      var i;
      var card;
      var id;
      for (i = 0; i < envs.length; i++) {
        card = envs[i].data && envs[i].data.current_card;
        if (card && card.id) {
          id = parseInt(card.id, 10);
          return id > 0 ? String(id) : null;
        }
      }
      return null;
    }

    function later(fn, delayMs) {
      var timer = window.setTimeout(function () {
        var at = $.inArray(timer, state.timers);
        if (at >= 0) {
          state.timers.splice(at, 1);
        }
        fn();
      }, delayMs);
      state.timers.push(timer);
    }

    // Calls found($element) once the selector matches; amoCRM sometimes adds containers just after the callback.
    function whenPresent(selector, found) {
      var generation = state.generation;
      var tries = 0;
      function look() {
        var $element = $(selector);
        if (generation !== state.generation) {
          return;
        }
        if ($element.length) {
          found($element.first());
        } else if (++tries < CONTAINER_POLL_TRIES) {
          later(look, CONTAINER_POLL_MS);
        }
      }
      look();
    }

    function requestToken(succeeded, failed) {
      var request;
      if (typeof self.$authorizedAjax !== 'function') {
        failed(null);
        return;
      }
      request = self.$authorizedAjax({
        // The backend keeps the language in the UI token and renders the framed pages in it.
        url: BACKEND + '/ui/session?lang=' + language(),
        method: 'POST',
        type: 'POST',
        dataType: 'json',
        timeout: REQUEST_TIMEOUT_MS
      });
      state.requests.push(request);
      request
        .done(function (data) {
          if (data && typeof data.token === 'string' && data.token) {
            succeeded(data.token, parseInt(data.expires_in, 10) || 0);
          } else {
            failed(null);
          }
        })
        .fail(function (xhr, textStatus) {
          if (textStatus !== 'abort') {
            failed(xhr);
          }
        })
        .always(function () {
          var at = $.inArray(request, state.requests);
          if (at >= 0) {
            state.requests.splice(at, 1);
          }
        });
    }

    function errorKey(xhr) {
      var status = xhr && typeof xhr.status === 'number' ? xhr.status : -1;
      if (status === 0) {
        return 'errors.unreachable';
      }
      // 403: the account has no active installation; 401: amo1c refused amoCRM's token (expired, replayed,
      // or signed for another address: AMO1C_PUBLIC_URL must match the address the widget was built with).
      if (status === 403 || status === 404) {
        return 'errors.not_installed';
      }
      if (status === 401) {
        return 'errors.session_refused';
      }
      return 'errors.generic';
    }

    function showMessage($panel, text) {
      $panel.empty().append($('<p class="amo1c-message"></p>').text(text));
    }

    function showError($panel, key, retry) {
      var $retry = $('<a href="#" class="amo1c-retry"></a>').text(t('panel.retry'));
      $retry.on('click', function (event) {
        event.preventDefault();
        retry();
      });
      $panel
        .empty()
        .append($('<p class="amo1c-message amo1c-message_error"></p>').text(t(key)).css({margin: '0 0 6px'}))
        .append($retry);
    }

    function frameUrl(path, token) {
      return BACKEND + path + '?token=' + encodeURIComponent(token) + '&lang=' + language();
    }

    function renewToken(frame, expiresIn, generation) {
      if (expiresIn <= RENEW_BEFORE_EXPIRY_S * 2) {
        return;
      }
      later(function () {
        requestToken(function (token, nextExpiresIn) {
          if (generation !== state.generation || !frame.contentWindow) {
            return;
          }
          frame.contentWindow.postMessage({type: 'amo1c:token', token: token, expires_in: nextExpiresIn}, ORIGIN);
          renewToken(frame, nextExpiresIn, generation);
        }, function () {
          // The frame keeps its token and reports the expiry itself when it comes.
        });
      }, (expiresIn - RENEW_BEFORE_EXPIRY_S) * 1000);
    }

    // The token dance: loading text, POST /ui/session, then the framed page or an error with a retry link.
    function loadFrame($panel, path, frameClass, css) {
      var generation = state.generation;
      showMessage($panel, t('panel.loading'));
      requestToken(function (token, expiresIn) {
        var $frame;
        if (generation !== state.generation) {
          return;
        }
        $frame = $('<iframe class="amo1c-frame" frameborder="0"></iframe>')
          .addClass(frameClass)
          .attr({src: frameUrl(path, token), title: t('panel.frame_title'), 'data-amo1c-id': uid})
          .css($.extend({display: 'block', width: '100%', border: '0'}, css));
        $panel.empty().append($frame);
        renewToken($frame[0], expiresIn, generation);
      }, function (xhr) {
        if (generation !== state.generation) {
          return;
        }
        showError($panel, errorKey(xhr), function () {
          loadFrame($panel, path, frameClass, css);
        });
      });
    }

    function onMessage(event) {
      var data = event.data;
      var height;
      if (event.origin !== ORIGIN) {
        return;
      }
      if (typeof data === 'string') {
        try {
          data = JSON.parse(data);
        } catch (e) {
          return;
        }
      }
      if (!data || data.type !== 'amo1c:height') {
        return;
      }
      height = parseInt(data.height, 10);
      if (!(height > 0)) {
        return;
      }
      height = Math.min(Math.max(height, CARD_FRAME_MIN_PX), CARD_FRAME_MAX_PX);
      $('iframe.amo1c-frame_card[data-amo1c-id="' + uid + '"]').each(function () {
        if (this.contentWindow === event.source) {
          $(this).css('height', height + 'px');
        }
      });
    }

    function listen() {
      if (!state.listening && window.addEventListener) {
        window.addEventListener('message', onMessage, false);
        state.listening = true;
      }
    }

    // Removes this instance's panels and frames, stops its timers and abandons its requests.
    function teardown() {
      var i;
      state.generation += 1;
      for (i = 0; i < state.timers.length; i++) {
        window.clearTimeout(state.timers[i]);
      }
      state.timers = [];
      for (i = 0; i < state.requests.length; i++) {
        if (state.requests[i] && typeof state.requests[i].abort === 'function') {
          state.requests[i].abort();
        }
      }
      state.requests = [];
      if (state.listening && window.removeEventListener) {
        window.removeEventListener('message', onMessage, false);
      }
      state.listening = false;
      $('.amo1c-panel[data-amo1c-id="' + uid + '"]').remove();
    }

    function renderCard(entity) {
      var selector = '.amo1c-panel[data-amo1c-id="' + uid + '"]';
      self.render_template({
        caption: {class_name: 'amo1c-caption'},
        body: '',
        render:
          '<div class="amo1c-panel amo1c-panel_card" data-amo1c-id="' + uid + '" data-amo1c-entity="' + entity + '">' +
          '<p class="amo1c-message">' + escapeHtml(t('panel.loading')) + '</p>' +
          '</div>'
      });
      whenPresent(selector, function ($panel) {
        var id = cardId();
        if (!id) {
          showMessage($panel, t('panel.unsaved'));
          return;
        }
        listen();
        loadFrame($panel, '/ui/cards/' + entity + '/' + id, 'amo1c-frame_card', {height: CARD_FRAME_HEIGHT_PX + 'px'});
      });
    }

    function renderSettingsPage() {
      var code = widgetCode();
      if (!code) {
        return;
      }
      whenPresent('#work-area-' + code, function ($area) {
        var $panel = $('<div class="amo1c-panel amo1c-panel_settings"></div>').attr('data-amo1c-id', uid);
        $area.append($panel);
        loadFrame($panel, '/ui/settings', 'amo1c-frame_settings', {height: 'calc(100vh - 120px)', 'min-height': '480px'});
      });
    }

    function renderModalHint() {
      var code = widgetCode();
      if (!code) {
        return;
      }
      whenPresent('#widget_settings_block_' + code, function ($block) {
        if (!$block.find('.amo1c-hint').length) {
          $block.append($('<p class="amo1c-hint"></p>').text(t('modal.hint')).css({margin: '12px 0'}));
        }
      });
    }

    this.callbacks = {
      render: function () {
        var entity = cardEntity();
        if (entity) {
          teardown();
          renderCard(entity);
        }
        return true;
      },
      init: function () {
        return true;
      },
      bind_actions: function () {
        return true;
      },
      settings: function () {
        renderModalHint();
        return true;
      },
      onSave: function () {
        return true;
      },
      // The digital pipeline's «Отправить заказ в 1С» action has no settings: amo1c's stage triggers decide.
      dpSettings: function () {
        return true;
      },
      advancedSettings: function () {
        teardown();
        renderSettingsPage();
        return true;
      },
      destroy: function () {
        teardown();
      }
    };
    return this;
  };

  return CustomWidget;
});
