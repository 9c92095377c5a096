package dev.durablestash.spring.web.servlet.declarations.basemigrators;

import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The one view: named WizardController, its @Stashed field inherited. */
@RestController
@RequestMapping("/wizard")
public class WizardController extends BaseStepsController {
}
