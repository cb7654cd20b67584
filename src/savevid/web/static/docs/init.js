// Starts Swagger UI from a file, since the page's Content-Security-Policy allows no inline script.
// validatorUrl: null keeps Swagger UI from sending the description to validator.swagger.io.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
});
