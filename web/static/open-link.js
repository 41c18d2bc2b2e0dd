// A password link ends in #<token>. Browsers never send that part to a server, so it stays
// out of access logs; this posts it in the form body and takes it off the address bar.
(function () {
  var token = window.location.hash.slice(1);
  var form = document.getElementById("open-link");
  if (!token || !form) {
    return;
  }
  form.elements.token.value = decodeURIComponent(token);
  window.history.replaceState(null, "", window.location.pathname);
  // The submit button is named "submit" and hides the method of the same name.
  HTMLFormElement.prototype.submit.call(form);
})();
